// Debian's Chromium for the browser suites, launched the way this machine needs (no sandbox as root,
// no background networking: its connections are refused here). A machine without it skips the suites
// loudly; CI must have it (.ci/run installs it), so there a missing browser fails them.

import { accessSync, constants } from 'node:fs';
import { describe } from '@jest/globals';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const haveChromium = (() => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();

export function describeBrowser(name: string, fn: () => void): void {
  if (haveChromium || process.env.CI === 'true') {
    describe(name, fn);
    return;
  }
  console.warn(`\n!!! SKIPPING "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium) !!!\n`);
  describe.skip(name, fn);
}
