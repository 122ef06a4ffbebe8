// @ts-check
// Signet in the side-by-side run: started as `npm run bench` starts it (bench/lib/targets.mjs: a fresh
// SQLite DATA_DIR, set up through the admin CLI), but in the shape `npm start` gives it by default, one
// worker per core, as the peers use every core too (BENCH_PEERS_SIGNET_WORKERS=1 for one process).
// Described for the walk and the report like the peers are.

import { availableParallelism } from 'node:os';
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
  const workers = Number(process.env.BENCH_PEERS_SIGNET_WORKERS ?? availableParallelism());
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error('BENCH_PEERS_SIGNET_WORKERS must be a whole number ≥ 1');
  const signet = await startSignet({ store: 'sqlite', ferret: undefined, workers });
  const passwordHash = storedHash(signet.dataDir);
  if (signet.pid === undefined) throw new Error('Signet started without a pid');
  return {
    kind: 'signet',
    label: 'Signet',
    workers,
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
      server:
        workers === 1
          ? `Signet (Node ${process.versions.node}, WORKERS=1: one process, one event loop)`
          : `Signet (Node ${process.versions.node}, WORKERS=${workers}: a supervising primary and ${workers} workers, one event loop each, as \`npm start\` runs by default on ${availableParallelism()} cores)`,
      store:
        'embedded SQLite (node:sqlite), WAL, synchronous=FULL, group commit: every write on disk before the answer',
      passwordHash,
      clientSecret: 'HMAC-SHA256 of the secret stored; one HMAC per client authentication',
      accessToken: 'opaque, stored (introspection and userinfo read the store)',
    },
    stop: () => signet.stop(),
  };
}
