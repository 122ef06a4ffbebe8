// How Debian's Chromium is launched on this machine (no sandbox as root, no background networking: its
// connections are refused here). Free of Jest, so `npm run screenshots` launches it the same way.

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
