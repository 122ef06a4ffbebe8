// Every page's words are reachable by a translator: both languages hold the same keys, every key the
// code and the views ask for exists, the language is chosen in the documented order, and no view
// keeps a sentence of its own outside t().

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { acceptedTags, chooseLanguage } from '../../src/i18n/negotiate.js';
import { createTranslator, LANGUAGES, readResources } from '../../src/i18n/translator.js';
import { sameSitePath } from '../../src/http/routes/language-routes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const resources = readResources();

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

/** Every leaf of a namespace as `a.b.c` → its value. */
function leaves(tree: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof tree !== 'object' || tree === null) {
    out.set(prefix, tree);
    return out;
  }
  for (const [key, value] of Object.entries(tree)) {
    for (const [k, v] of leaves(value, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}

/** `ns:key.path` as a view or the code asks for it, allowing the plural forms i18next looks up. */
function exists(lang: (typeof LANGUAGES)[number], full: string): boolean {
  const [ns = '', key = ''] = full.split(':');
  const all = leaves(resources[lang][ns]);
  return [key, `${key}_one`, `${key}_other`].some((k) => typeof all.get(k) === 'string');
}

/** What of a view is left once EJS and HTML are taken out: what nobody could translate. */
export function literalText(template: string): string {
  return template
    .replace(/<%[\s\S]*?%>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:[a-z]+|#\d+|#x[0-9a-f]+);/gi, ' ');
}

/** Attributes a person reads or hears, holding text written into the template. */
export function literalAttributes(template: string): string[] {
  const stripped = template.replace(/<%[\s\S]*?%>/g, '');
  return [...stripped.matchAll(/\b(?:title|aria-label|placeholder|alt)="([^"]*)"/g)].map((m) => m[1] ?? '');
}

const LETTERS = /[A-Za-z\p{Script=Hangul}]/u;

describe('locales', () => {
  const namespaces = [...new Set(LANGUAGES.flatMap((lng) => Object.keys(resources[lng])))].sort();

  test('both languages have the same namespaces', () => {
    expect(namespaces.length).toBeGreaterThan(5);
    for (const lng of LANGUAGES) expect(Object.keys(resources[lng]).sort()).toEqual(namespaces);
  });

  test.each(namespaces)('%s: every key is in English and Korean, none of them empty', (ns) => {
    const en = leaves(resources.en[ns]);
    const ko = leaves(resources.ko[ns]);
    expect([...ko.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [lng, all] of [
      ['en', en],
      ['ko', ko],
    ] as const) {
      for (const [key, value] of all) {
        expect({ lng, key, ok: typeof value === 'string' && value.trim() !== '' }).toEqual({ lng, key, ok: true });
      }
    }
  });

  test('interpolation leaves values as they are (EJS escapes on output)', () => {
    const translator = createTranslator();
    expect(translator.t('en', 'login:cancel', { name: '<b>&' })).toBe('Cancel and return to <b>&');
    expect(translator.t('ko', 'login:cancel', { name: 'App' })).toBe('취소하고 App(으)로 돌아가기');
    expect(translator.languages).toEqual(['en', 'ko']);
  });
});

describe('every key asked for exists', () => {
  const VIEW_KEY = /\bth?\(\s*'([\w-]+:[\w.-]+)'/g;
  const CODE_KEY = /\b(?:t|th|\.t)\(\s*(?:\w+,\s*)?'([\w-]+:[\w.-]+)'/g;
  const asked = [
    ...filesUnder(join(ROOT, 'views'), '.ejs').map((file) => ({ file, re: VIEW_KEY })),
    ...filesUnder(join(ROOT, 'src'), '.ts').map((file) => ({ file, re: CODE_KEY })),
  ].flatMap(({ file, re }) =>
    [...readFileSync(file, 'utf8').matchAll(re)].map((m) => ({ file: file.slice(ROOT.length), key: m[1] ?? '' })),
  );

  test('the scan finds the keys the pages use', () => {
    expect(asked.map((a) => a.key)).toEqual(expect.arrayContaining(['login:heading', 'layout:footer', 'login:failed']));
  });

  test.each(LANGUAGES)('in %s', (lng) => {
    const missing = asked.filter(({ key }) => !exists(lng, key));
    expect(missing).toEqual([]);
  });
});

describe('choosing a language', () => {
  test('ui_locales first: the first one Signet speaks, by its primary subtag', () => {
    expect(chooseLanguage({ uiLocales: 'fr-CA ko-KR en', cookie: 'en', acceptLanguage: 'en' })).toBe('ko');
    expect(chooseLanguage({ uiLocales: 'en ko', cookie: 'ko', acceptLanguage: 'ko' })).toBe('en');
  });

  test('then the cookie, when ui_locales names nothing Signet speaks', () => {
    expect(chooseLanguage({ uiLocales: 'fr de', cookie: 'ko', acceptLanguage: 'en' })).toBe('ko');
    expect(chooseLanguage({ cookie: 'en', acceptLanguage: 'ko' })).toBe('en');
    expect(chooseLanguage({ cookie: 'xx', acceptLanguage: 'ko' })).toBe('ko');
  });

  test('then Accept-Language by q-value, then English', () => {
    expect(chooseLanguage({ acceptLanguage: 'ko-KR,ko;q=0.9,en;q=0.8' })).toBe('ko');
    expect(chooseLanguage({ acceptLanguage: 'ko;q=0.3, en-GB;q=0.7' })).toBe('en');
    expect(chooseLanguage({ acceptLanguage: 'fr, ko;q=0.1' })).toBe('ko');
    expect(chooseLanguage({ acceptLanguage: 'ko;q=0, *' })).toBe('en');
    expect(chooseLanguage({ acceptLanguage: 'fr' })).toBe('en');
    expect(chooseLanguage({})).toBe('en');
    expect(acceptedTags('a;q=0.5, b, c;q=0.9, d;q=0')).toEqual(['b', 'c', 'a']);
  });
});

describe('no string a translator cannot reach', () => {
  const views = filesUnder(join(ROOT, 'views'), '.ejs');

  test('the check finds text outside t(), in the body and in attributes people read', () => {
    expect(literalText('<p class="lead"><%= t(\'a:b\') %> · Sign in</p>')).toMatch(LETTERS);
    expect(literalText('<p>로그인</p>')).toMatch(LETTERS);
    expect(literalText('<p class="x" data-y="z"><%= t(\'a:b\') %> · (<%- th(\'a:c\') %>)</p>')).not.toMatch(LETTERS);
    expect(literalAttributes('<img alt="<%= name %> logo">')).toEqual([' logo']);
    expect(literalAttributes('<nav aria-label="<%= t(\'layout:x\') %>">')).toEqual(['']);
  });

  test.each(views.map((v) => v.slice(ROOT.length)))('%s', (view) => {
    const template = readFileSync(join(ROOT, view), 'utf8');
    expect(literalText(template).replace(/\s+/g, ' ').trim()).not.toMatch(LETTERS);
    for (const value of literalAttributes(template)) expect(value).not.toMatch(LETTERS);
  });
});

describe("the switcher's way back", () => {
  const issuer = 'https://id.example.com';

  test('a path of this site, with its query, is kept', () => {
    expect(sameSitePath('/account?done=profile', issuer)).toBe('/account?done=profile');
    expect(sameSitePath('/interaction/abc', issuer)).toBe('/interaction/abc');
  });

  test('anything that could lead elsewhere is home instead', () => {
    for (const evil of [
      undefined,
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      '/\tevil',
      'javascript:alert(1)',
      '/%0d%0a',
      'evil',
    ]) {
      const to = sameSitePath(evil, issuer);
      expect(new URL(to, issuer).origin).toBe(issuer);
    }
    expect(sameSitePath('//evil.example', issuer)).toBe('/');
    expect(sameSitePath('/\\evil.example', issuer)).toBe('/');
  });
});
