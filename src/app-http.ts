import type { Server } from 'node:http';
import type Koa from 'koa';
import { AccountOverview } from './accounts/account-overview.js';
import { buildSelfService, buildTwoStep, lazyPasswordPolicy } from './app-self-service.js';
import type { AppOverrides, CoreServices, OidcParts } from './app-types.js';
import { createHttpApp } from './http/create-http-app.js';
import { drainServer } from './http/drain-server.js';
import type { Mail } from './mail/create-mail.js';
import type { Metrics } from './observability/metrics.js';
import { AppSessions } from './sessions/app-sessions.js';
import { InProcessRelyingParty } from './sessions/relying-party.js';
import { Throttle } from './throttle/throttle.js';

// The HTTP layer the composition root (app.ts) puts around the core and the provider: the Koa app, the
// in-process relying parties it serves the account page and the demo with, and the listening server.
// Imported only by a process that serves (it is what loads Koa).

/** How long open connections may take to finish after close(): beyond Node's 5 s keep-alive timeout. */
const DRAIN_GRACE_MS = 10_000;

export interface HttpParts {
  core: CoreServices;
  oidc: OidcParts;
  mail: Mail;
  metrics: Metrics;
  collectMetrics: AppOverrides['collectMetrics'];
  /** Re-reads the key store before the JWKS is served. */
  rereadKeys: () => Promise<void>;
  /** This server's own loopback origin once it listens (the relying parties' back-channel detour). */
  internalOrigin: () => string | undefined;
}

/** The account page's and the demo's relying-party sides, and the sessions they keep. */
function firstPartyRoutes({ core, oidc, internalOrigin }: HttpParts) {
  const { config, clock, store } = core;
  const sessions = new AppSessions({
    records: store.oidc,
    accounts: core.accounts,
    sealer: core.sealer,
    pepper: core.keys.pepper,
    idleTtl: config.ttl.sessionIdle,
  });
  const relyingParty = (client: OidcParts['account']) =>
    new InProcessRelyingParty(config.issuer, client, internalOrigin, clock);
  const firstPartyIds = new Set([oidc.account.metadata.client_id]);
  return {
    account: {
      security: core.security,
      overview: new AccountOverview(store.oidc, oidc.host, core.audit, firstPartyIds),
      sessions,
      relyingParty: relyingParty(oidc.account),
      issuer: config.issuer,
    },
    ...(oidc.demo ? { demo: { relyingParty: relyingParty(oidc.demo), sessions, issuer: config.issuer } } : {}),
  };
}

export function buildHttpApp(parts: HttpParts): Koa {
  const { core, oidc, mail, metrics } = parts;
  const { config, store } = core;
  const selfService = buildSelfService(core, mail, oidc.views, lazyPasswordPolicy());
  const firstParty = firstPartyRoutes(parts);
  const twoStep = buildTwoStep(core, mail, oidc.views);
  // The account page takes new passwords and addresses too: the same policy and codes as sign-up's.
  const account = {
    ...firstParty.account,
    judgePassword: selfService.judgePassword,
    factors: twoStep.factors,
    ...(twoStep.passkeys ? { passkeys: twoStep.passkeys } : {}),
    ...(selfService.emailChange ? { emailChange: selfService.emailChange } : {}),
  };
  return createHttpApp({
    config,
    host: oidc.host,
    accounts: core.accounts,
    audit: core.audit,
    throttle: new Throttle(store.throttle, core.clock),
    secrets: core.secrets,
    metrics,
    ...(parts.collectMetrics ? { collectMetrics: parts.collectMetrics(metrics) } : {}),
    context: core.context,
    views: oidc.views,
    logger: core.logger,
    cookieKeys: core.keys.cookie,
    rereadKeys: parts.rereadKeys,
    ping: () => store.ping(),
    readyDetail: async () => ({ outbox: await mail.service.health() }),
    ...firstParty,
    account,
    selfService,
    twoStep: { factors: twoStep.factors, challenges: twoStep.challenges },
    ...(twoStep.passkeys ? { passkeys: twoStep.passkeys } : {}),
  });
}

/** Starts listening; port 0 picks a free one. Resolves with the bound port. */
export function listen(app: Koa, port: number, bindHost?: string): Promise<{ port: number; server: Server }> {
  return new Promise((resolve, reject) => {
    const s = app.listen(port, bindHost);
    s.once('error', reject);
    s.once('listening', () => {
      const address = s.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({ port: bound, server: s });
    });
  });
}

/** Stops accepting and lets in-flight requests finish (within a grace period). */
export function drain(server: Server): Promise<void> {
  return drainServer(server, DRAIN_GRACE_MS);
}
