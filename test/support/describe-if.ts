// Suites that need something from outside npm (FerretDB, Chromium, Python, Go): run when it is there,
// otherwise skip loudly on a developer's machine. In CI nothing may be skipped: the suite runs (and
// fails on what is missing, with its own message) or the run stops here.

import { describe } from '@jest/globals';

export const inCi = process.env.CI === 'true';

/** Whether a suite needing `missing` may run; false only outside CI, after announcing the skip. */
export function mayRun(available: boolean, name: string, missing: string): boolean {
  if (available) return true;
  if (inCi) throw new Error(`${name}: ${missing}, and CI must run every suite`);
  console.warn(`\n!!! SKIPPING "${name}": ${missing} !!!\n`);
  return false;
}

export function describeIf(available: boolean, name: string, missing: string, fn: () => void): void {
  (mayRun(available, name, missing) ? describe : describe.skip)(name, fn);
}
