import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/schema.js';
import type { Clock } from '../storage/store.js';

type Ttl = NonNullable<Configuration['ttl']>;

/** The grant's expiry (epoch seconds) when the request has loaded one; oidc-provider may call without a context. */
function grantExpiry(ctx: KoaContextWithOIDC | undefined): unknown {
  const oidc = ctx?.oidc as { entities?: { Grant?: { exp?: unknown } } } | undefined;
  return oidc?.entities?.Grant?.exp;
}

/** How long each artefact lives, from config; the sliding ones are measured against `clock`. */
export function ttlPolicy(ttl: Readonly<Config['ttl']>, clock: Clock): Ttl {
  const nowSeconds = () => Math.floor(clock() / 1000);
  return {
    // A resource server's own TTL wins (JWT access tokens are capped shorter, see resource-servers.ts).
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessToken,
    AuthorizationCode: ttl.authorizationCode,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessToken,
    IdToken: ttl.idToken,
    Interaction: ttl.interaction,
    // Sliding idle expiry (renewed whenever the session is saved), never past the absolute cap.
    // A session nobody signed in to (e.g. a bare logout request) lives only as long as an interaction:
    // anonymous requests must not be able to fill the store.
    Session: (_ctx, session) => {
      if (!session.accountId) return ttl.interaction;
      const loginTs = typeof session.loginTs === 'number' ? session.loginTs : nowSeconds();
      const left = loginTs + ttl.sessionAbsolute - nowSeconds();
      return Math.max(1, Math.min(ttl.sessionIdle, left));
    },
    Grant: ttl.grant,
    // Sliding idle expiry (a fresh one at every rotation), capped by what is left of the grant.
    RefreshToken: (ctx: KoaContextWithOIDC | undefined) => {
      const grantExp = grantExpiry(ctx);
      const left = typeof grantExp === 'number' ? grantExp - nowSeconds() : ttl.refreshToken;
      return Math.max(1, Math.min(ttl.refreshToken, left));
    },
  };
}
