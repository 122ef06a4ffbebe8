import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { ProviderHost } from '../oidc/provider-host.js';
import type { Logger } from 'pino';
import type { AccountService } from '../accounts/account-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/schema.js';
import type { Throttle } from '../throttle/throttle.js';
import { clientAuthThrottle } from './middleware/client-auth-throttle.js';
import { AppError } from '../errors.js';
import type { ClientSecretHasher } from '../clients/client-secret.js';
import type { RequestContext } from '../observability/request-context.js';
import type { Metrics } from '../observability/metrics.js';
import { discoveryCache } from './middleware/discovery-cache.js';
import { errorHandler } from './middleware/error-handler.js';
import { language } from './middleware/language.js';
import { issuerScheme } from './middleware/issuer-scheme.js';
import { observeRequests } from './middleware/observe-requests.js';
import { postAsGet } from './middleware/post-as-get.js';
import { requestUriByReference, requestUriDiscovery } from './middleware/request-uri.js';
import { guardedFetch } from '../net/guarded-fetch.js';
import { freshJwks } from './middleware/fresh-jwks.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { registrationSecrets } from './middleware/registration-secrets.js';
import { routeGate } from './route-gate.js';
import { requestLimits } from './middleware/request-limits.js';
import { settleWrites } from './middleware/settle-writes.js';
import { securityHeaders } from './middleware/security-headers.js';
import { accountRoutes, type AccountRouteDeps } from './routes/account-routes.js';
import { buttonRoutes } from './routes/button-routes.js';
import { demoRoutes, type DemoDeps } from './routes/demo-routes.js';
import { assetRoutes } from './routes/asset-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { homeRoutes } from './routes/home-routes.js';
import { interactionRoutes } from './routes/interaction-routes.js';
import { passwordStrengthRoutes } from './routes/password-strength-routes.js';
import { selfServiceRoutes, type SelfServiceRoutes } from './routes/self-service-routes.js';
import { languageRoutes } from './routes/language-routes.js';
import type { Views } from './views.js';
import type { PasswordPolicy } from '../accounts/password-policy.js';
import type { InteractionDeps } from './routes/interaction-routes.js';

export interface HttpDeps {
  config: Readonly<Config>;
  host: ProviderHost;
  accounts: AccountService;
  audit: AuditLog;
  throttle: Throttle;
  secrets: ClientSecretHasher;
  metrics: Metrics;
  /** Replaces this process's registry as the source of /metrics (the cluster-wide sum under WORKERS > 1). */
  collectMetrics?: () => Promise<string>;
  context: RequestContext;
  views: Views;
  logger: Logger;
  cookieKeys: string[];
  ping(): Promise<void>;
  readyDetail?: () => Promise<Record<string, unknown>>;
  account: Omit<AccountRouteDeps, 'accounts' | 'views' | 'throttle' | 'audit'>;
  /** Re-reads the key store before the JWKS is served (concurrent requests share one read). */
  rereadKeys?: () => Promise<void>;
  /** Present only when the demo relying party is on (never in production). */
  demo?: Omit<DemoDeps, 'views'>;
  /** Sign-up and recovery where turned on, and the password policy behind the strength meter. */
  selfService: SelfServiceRoutes & { passwordPolicy: () => Promise<PasswordPolicy> };
  /** Second factors, asked at sign-in after the password of an account that has one. */
  twoStep?: InteractionDeps['twoStep'];
  /** Passkeys at sign-in, where the issuer can be a WebAuthn relying party and they are not turned off. */
  passkeys?: InteractionDeps['passkeys'];
}

/** What the login form links to besides signing in. */
function offersOf(service: SelfServiceRoutes) {
  return { signup: Boolean(service.signUp), recovery: Boolean(service.recovery) };
}

/** The sign-in pages' deps: what the login form offers, and the second step where factors exist. */
function interactionDeps(deps: HttpDeps, people: Omit<InteractionDeps, 'host'>): InteractionDeps {
  return {
    host: deps.host,
    ...people,
    offers: offersOf(deps.selfService),
    ...(deps.twoStep ? { twoStep: deps.twoStep } : {}),
    ...(deps.passkeys ? { passkeys: deps.passkeys } : {}),
  };
}

/** Middleware order matters: errors and headers wrap everything, our routes first, the provider last. */
export function createHttpApp(deps: HttpDeps): Koa {
  const { config } = deps;
  const secure = new URL(config.issuer).protocol === 'https:';
  const app = new Koa({ proxy: config.trustProxy > 0, maxIpsCount: config.trustProxy });
  // The same keys as the provider's cookies.keys, so both sign and verify alike.
  app.keys = deps.cookieKeys;
  app.silent = true;
  const scheme = issuerScheme(config.issuer);
  if (scheme) app.use(scheme);
  app.use(observeRequests(deps.metrics, deps.context));
  app.use(securityHeaders({ hsts: secure }));
  // Before the error handler, so even an error page is drawn in the person's language.
  app.use(language());
  app.use(errorHandler(deps.views, deps.logger));
  app.use(requestLimits);
  app.use(settleWrites);
  // What the pages where people sign in and manage their account share.
  const people = { accounts: deps.accounts, audit: deps.audit, throttle: deps.throttle, views: deps.views };
  const routers = [
    healthRoutes(deps),
    metricsRoutes(deps.metrics, {
      ...(config.metricsToken ? { token: config.metricsToken } : {}),
      ...(deps.collectMetrics ? { collect: deps.collectMetrics } : {}),
      production: config.production,
    }),
    assetRoutes(),
    passwordStrengthRoutes({ policy: deps.selfService.passwordPolicy, throttle: deps.throttle, issuer: config.issuer }),
    languageRoutes(config.issuer),
    homeRoutes(deps.views, config.issuer, { demo: Boolean(deps.demo) }),
    accountRoutes({ ...deps.account, ...people }),
    buttonRoutes(deps.views, config.issuer),
    ...(deps.demo ? [demoRoutes({ ...deps.demo, views: deps.views })] : []),
    interactionRoutes(interactionDeps(deps, people)),
    ...selfServiceRoutes({ host: deps.host, ...people }, deps.selfService),
  ];
  // A method no route knows (TRACE, PROPFIND…) is the client's mistake: 405, not @koa/router's 501.
  app.use(
    routeGate(routers, {
      throw: true,
      notImplemented: () => new AppError('invalid_request', 'This method is not allowed here.', 405),
    }),
  );
  app.use(discoveryCache);
  app.use(requestUriDiscovery);
  app.use(postAsGet(config.issuer));
  app.use(requestUriByReference(deps.host, guardedFetch(config)));
  if (deps.rereadKeys) app.use(freshJwks(deps.rereadKeys));
  app.use(clientAuthThrottle(deps.throttle));
  app.use(registrationSecrets(deps.host, deps.secrets));
  app.use(currentProvider(deps.host));
  return app;
}

/** Mounted per provider instance, so a key rotation's rebuilt provider takes over on the next request. */
function currentProvider(host: HttpDeps['host']): Koa.Middleware {
  const mounted = new WeakMap<Provider, Koa.Middleware>();
  return async (ctx, next) => {
    const provider = host.current;
    let middleware = mounted.get(provider);
    if (!middleware) {
      middleware = mount(provider);
      mounted.set(provider, middleware);
    }
    await middleware(ctx, next);
  };
}
