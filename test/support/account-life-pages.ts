// What the account-life browser test looks for on Signet's pages: the words of locales/ (so a page is
// checked against the very sentence a translator wrote), the page's language, and axe's verdict at a
// desktop and a phone width.

import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { seriousViolations } from './axe.js';

export type Lang = 'en' | 'ko';

const LOCALES = join(process.cwd(), 'locales');

/**
 * A sentence of locales/<lang>/<namespace>.json by its key ("signup:heading", "account:profile.save"),
 * with {{values}} filled in: what the page must show.
 */
export function say(lang: Lang, key: string, values: Record<string, string> = {}): string {
  const [namespace = '', path = ''] = key.split(':');
  const file = JSON.parse(readFileSync(join(LOCALES, lang, `${namespace}.json`), 'utf8')) as unknown;
  let found: unknown = file;
  for (const part of path.split('.')) found = (found as Record<string, unknown> | undefined)?.[part];
  if (typeof found !== 'string') throw new Error(`no sentence ${key} in locales/${lang}`);
  return found.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? `{{${name}}}`);
}

const HANGUL = /[\uAC00-\uD7A3]/;

/** Signet's page is drawn in `lang`: <html lang>, and the heading is the locale's own sentence. */
export async function expectPageIn(page: Page, lang: Lang, headingKey: string): Promise<void> {
  const heading = say(lang, headingKey);
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor({ state: 'visible' });
  expect({ url: page.url(), lang: await page.locator('html').getAttribute('lang') }).toEqual({ url: page.url(), lang });
  // The Korean sentence really is Korean (not an English fallback copied into locales/ko).
  if (lang === 'ko') expect(heading).toMatch(HANGUL);
}

export const AXE_WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;

/** Every serious or critical violation at each width, added to `found` under the page's name. */
export function axeAtWidths(page: Page, name: string, found: Record<string, string[]>): Promise<void> {
  return seriousViolations(page, name, AXE_WIDTHS, found);
}

/**
 * The page's pattern attributes that the browser cannot compile: it reads them as regular expressions
 * with the v flag (HTML's pattern attribute), and one that fails there is ignored, checking nothing.
 */
export function invalidPatterns(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll('input[pattern]')].flatMap((input) => {
    try {
      new RegExp('^(?:' + input.pattern + ')$', 'v');
      return [];
    } catch (err) {
      return ['#' + input.id + ' pattern="' + input.pattern + '": ' + err.message];
    }
  })`);
}
