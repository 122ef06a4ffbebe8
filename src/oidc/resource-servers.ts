import { errors, type Client, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { ACCESS_TOKEN_FORMAT, ALLOWED_RESOURCE_SCOPE, RESOURCE_SCOPE } from '../clients/client-metadata.js';
import { withheldScopes } from './api-mfa-scopes.js';

/** JWT access tokens live at most this long: a JWT cannot be recalled before it expires (see README). */
const JWT_ACCESS_TOKEN_MAX_TTL = 300;

function extra(client: unknown, key: string): unknown {
  return (client as Record<string, unknown>)[key];
}

function scopeList(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/**
 * RFC 8707. A resource server is a client with no grants whose client_id is its resource indicator
 * (an https URI). Its tokens are opaque unless it opted in to JWT access tokens. The scopes it keeps for
 * a multi-factor sign-in are left out whenever the sign-in behind the request showed no second factor,
 * and always for a machine client: this is what guarantees them, whatever the login prompt did.
 */
export function resourceServerInfo(accessTokenTtl: number) {
  return async (ctx: KoaContextWithOIDC, indicator: string, client: Client): Promise<ResourceServer> => {
    const rs = await ctx.oidc.provider.Client.find(indicator);
    if (!rs || rs.grantTypes?.length || rs.responseTypes?.length) {
      throw new errors.InvalidTarget(`${indicator} is not a registered resource server`);
    }
    const offered = scopeList(extra(rs, RESOURCE_SCOPE));
    // A machine client gets only what it was allowed; a user-facing client what the user consents to.
    const allowed = extra(client, ALLOWED_RESOURCE_SCOPE);
    const machine = ctx.oidc.params?.grant_type === 'client_credentials';
    const permitted =
      typeof allowed === 'string' ? new Set(allowed.split(' ')) : machine ? new Set<string>() : undefined;
    const withheld = withheldScopes(ctx, rs);
    const jwt = extra(rs, ACCESS_TOKEN_FORMAT) === 'jwt';
    return {
      audience: indicator,
      scope: offered.filter((s) => (!permitted || permitted.has(s)) && !withheld.has(s)).join(' '),
      accessTokenFormat: jwt ? 'jwt' : 'opaque',
      accessTokenTTL: jwt ? Math.min(JWT_ACCESS_TOKEN_MAX_TTL, accessTokenTtl) : accessTokenTtl,
      ...(jwt ? { jwt: { sign: { alg: 'RS256' } } } : {}),
    };
  };
}
