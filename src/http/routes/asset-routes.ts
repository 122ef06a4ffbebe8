import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { z } from 'zod';
import { guard } from '../guard.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));

/** A fixed list of files, read once: no path from a request ever reaches the file system. */
const ASSETS: Record<string, string> = {
  'signet.css': 'text/css; charset=utf-8',
  'signet-button.css': 'text/css; charset=utf-8',
  'signet.js': 'text/javascript; charset=utf-8',
  // The strength meter: an ES module, so pages load it with <script type="module">.
  'password-strength.js': 'text/javascript; charset=utf-8',
  'password-strength.css': 'text/css; charset=utf-8',
  // Passkey forms: a classic script using the bundle below.
  'passkeys.js': 'text/javascript; charset=utf-8',
};

/** SimpleWebAuthn's browser bundle, served as it is published (its UMD build sets SimpleWebAuthnBrowser). */
function webauthnBundle() {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(entry), '../dist/bundle/index.umd.min.js'));
}

/** Any name reads; only the listed ones are served, the rest are 404. */
const assetInput = guard({ params: z.object({ name: z.string() }) });

export function assetRoutes(): Router {
  const router = new Router();
  const files = new Map(
    Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(PUBLIC_DIR + name) }]),
  );
  files.set('webauthn.js', { type: 'text/javascript; charset=utf-8', body: webauthnBundle() });
  // Browsers ask for it on every page oidc-provider renders itself; Signet has no icon, and says so quietly.
  router.get('/favicon.ico', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.status = 204;
  });
  router.get('/assets/:name', assetInput, (ctx) => {
    const file = files.get(assetInput.read(ctx).params.name);
    if (!file) return;
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  });
  return router;
}
