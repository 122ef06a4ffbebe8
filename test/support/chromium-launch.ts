// How Debian's Chromium is launched on this machine (no sandbox as root, no background networking: its
// connections are refused here). Free of Jest, so `npm run screenshots` launches it the same way.

import { accessSync, constants } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser suites cannot run here, or undefined when Chromium is installed. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  }
}

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
