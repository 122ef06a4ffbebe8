// `npm run screenshots`: a throwaway Signet (SQLite in a temporary DATA_DIR, the built dist/), every
// page walked in Chromium the way a person reaches it (test/support/page-tour.ts, shared with the
// accessibility suite), photographed at 1280 and 390 px in light and dark, into screenshots/ (gitignored).
//
//   SCREENSHOTS_DIR=screenshots   where the PNGs go
//   CHROMIUM=/usr/bin/chromium     the browser

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createApp } from '../dist/app.js';
import { loadConfig } from '../dist/config/load-config.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium-launch.ts';
import {
  registerTourClient,
  serveLogo,
  startCallbackServer,
  TOUR_VARIANTS,
  tourPages,
} from '../test/support/page-tour.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, process.env.SCREENSHOTS_DIR ?? 'screenshots');
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';

const dataDir = await mkdtemp(join(tmpdir(), 'signet-screenshots-'));
// The socket first, so the issuer can name its port (as the test suites start Signet).
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const config = loadConfig({
  PORT: String(server.address().port),
  ISSUER: issuer,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  REGISTRATION: 'open',
});
const app = await createApp(config);
server.on('request', app.app.callback());
const callback = await startCallbackServer();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? CHROMIUM, args: CHROMIUM_ARGS });

try {
  await mkdir(OUT, { recursive: true });
  await app.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada Lovelace' });
  const client = await registerTourClient(issuer, callback.redirectUri);
  const context = await browser.newContext();
  await serveLogo(context, client);
  const page = await context.newPage();
  let count = 0;
  await tourPages(page, { issuer, client, email: EMAIL, password: PASSWORD, demo: config.demo }, async (name) => {
    for (const v of TOUR_VARIANTS) {
      await page.setViewportSize({ width: v.width, height: v.height });
      await page.emulateMedia({ colorScheme: v.colorScheme });
      const file = join(OUT, `${String(++count).padStart(2, '0')}-${name}-${v.width}-${v.colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
    }
    process.stderr.write(`  ${name}\n`);
  });
  process.stdout.write(`${count} screenshots in ${relative(process.cwd(), OUT) || '.'}/\n`);
} finally {
  await browser.close();
  await callback.close();
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
}
