// @ts-check
// Signet in the side-by-side run: started exactly as `npm run bench` starts it (bench/lib/targets.mjs:
// WORKERS=1, a fresh SQLite DATA_DIR, set up through the admin CLI), described for the walk and the
// report like the peers are.

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { csrfFrom, formAction, hiddenFields } from '../../test/support/user-agent.ts';
import { startSignet } from '../lib/targets.mjs';

/** The password hash the CLI stored, read back: its parameters are in the PHC string. */
function storedHash(dataDir) {
  const db = new DatabaseSync(join(dataDir, 'signet.db'), { readOnly: true });
  try {
    const row = db.prepare('SELECT password_hash FROM accounts LIMIT 1').get();
    const [, algorithm = '?', , params = ''] = String(row?.password_hash ?? '').split('$');
    const p = Object.fromEntries(params.split(',').map((kv) => kv.split('=')));
    return `${algorithm}: memory ${p.m ?? '?'} KiB, iterations ${p.t ?? '?'}, parallelism ${p.p ?? '?'}`;
  } finally {
    db.close();
  }
}

/** Signet's login form (email, password, CSRF token) and its consent form. */
function fillForm(html, user) {
  if (html.includes('/login"'))
    return {
      action: formAction(html, '/login'),
      fields: { csrf: csrfFrom(html), email: user.email, password: user.password },
    };
  if (html.includes('/confirm"'))
    return { action: formAction(html, '/confirm'), fields: hiddenFields(html, '/confirm') };
  return null;
}

/** @returns {Promise<import('./scenarios.mjs').PeerTarget>} */
export async function startSignetPeer() {
  const signet = await startSignet({ store: 'sqlite', ferret: undefined });
  const passwordHash = storedHash(signet.dataDir);
  if (signet.pid === undefined) throw new Error('Signet started without a pid');
  return {
    kind: 'signet',
    label: 'Signet',
    origin: signet.origin,
    pid: signet.pid,
    helpers: [],
    paths: { authorize: '/auth', token: '/token', userinfo: '/me', discovery: '/.well-known/openid-configuration' },
    introspection: { origin: signet.origin, path: '/token/introspection', authenticated: true },
    web: signet.web,
    service: signet.service,
    clientCredentialsForm: signet.clientCredentialsForm,
    // oidc-provider issues a refresh token for offline_access only after an explicit consent prompt.
    refreshAuthorize: { scope: 'openid email profile offline_access', prompt: 'consent' },
    users: signet.users,
    fillForm,
    facts: {
      server: `Signet (Node ${process.versions.node}, WORKERS=1: one process, one event loop)`,
      store:
        'embedded SQLite (node:sqlite), WAL, synchronous=FULL, group commit: every write on disk before the answer',
      passwordHash,
      clientSecret: 'HMAC-SHA256 of the secret stored; one HMAC per client authentication',
      accessToken: 'opaque, stored (introspection and userinfo read the store)',
    },
    stop: () => signet.stop(),
  };
}
