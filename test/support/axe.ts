// axe-core run in a real page, for every browser test that checks accessibility: the violations as
// they are now, and the serious or critical ones across widths and colour schemes.

import axe from 'axe-core';
import type { Page } from 'playwright-core';

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe on the page as it is now; the tests compile without the DOM lib, so the run is a string. */
export async function axeViolations(page: Page): Promise<Violation[]> {
  // evaluate() runs outside the page's CSP, which allows no injected script (and must not).
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axe.source);
  return page.evaluate<
    Violation[]
  >(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary),
  })))`);
}

export interface AxeVariant {
  width: number;
  height: number;
  colorScheme?: 'light' | 'dark';
}

/**
 * Runs axe at each variant and adds every serious or critical violation to `found` under the page's
 * name and the variant; the viewport is put back as it was.
 */
export async function seriousViolations(
  page: Page,
  name: string,
  variants: readonly AxeVariant[],
  found: Record<string, string[]>,
): Promise<void> {
  const before = page.viewportSize();
  for (const v of variants) {
    await page.setViewportSize({ width: v.width, height: v.height });
    if (v.colorScheme) await page.emulateMedia({ colorScheme: v.colorScheme });
    for (const x of await axeViolations(page)) {
      if (x.impact !== 'serious' && x.impact !== 'critical') continue;
      const where = `${name} @${v.width}${v.colorScheme ? ` ${v.colorScheme}` : ''}`;
      (found[where] ??= []).push(`${x.impact} ${x.id} (${x.help}): ${x.nodes.join(' | ')}`);
    }
  }
  if (before) await page.setViewportSize(before);
}
