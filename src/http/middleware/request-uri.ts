import type { Middleware } from 'koa';
import { REQUEST_URIS } from '../../clients/client-metadata.js';
import { AppError } from '../../errors.js';
import type { ProviderHost } from '../../oidc/provider-host.js';

/** A URN of a pushed request (RFC 9126) is oidc-provider's own business. */
const PUSHED = 'urn:ietf:params:oauth:request_uri:';
/** A request object is a compact JWS or JWE, far smaller than this. */
const MAX_REQUEST_OBJECT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
const COMPACT_JOSE = /^[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){2,4}$/;

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

function refused(why: string): AppError {
  return new AppError('invalid_request', `The request_uri could not be used: ${why}.`, 400);
}

const withoutFragment = (uri: string) => uri.split('#')[0] ?? uri;

/** The registered request_uris of a client, as stored (oidc-provider keeps extra metadata as given). */
function registeredUris(client: unknown): string[] {
  const value = (client as Record<string, unknown> | undefined)?.[REQUEST_URIS];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

async function fetchObject(fetch: Fetch, uri: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(uri, { method: 'GET', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw refused(err instanceof AppError ? err.message.replace(/\.$/, '') : 'it could not be fetched');
  }
  if (response.status !== 200) throw refused(`it answered ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_REQUEST_OBJECT_BYTES) throw refused('it is too large');
  const text = (await response.text()).trim();
  if (text.length > MAX_REQUEST_OBJECT_BYTES || !COMPACT_JOSE.test(text)) {
    throw refused('it does not hold a request object (a compact JWT)');
  }
  return text;
}

/**
 * OIDC Core 6.2: a request object passed by reference. oidc-provider takes request objects only by value
 * (and pushed ones by URN), so the reference is resolved here, in front of it: only a URI the client
 * registered (request_uris, fragment aside), fetched through the guarded fetch (no private addresses,
 * no redirects, five seconds, 64 KiB), and put in the request as `request`. From there oidc-provider
 * checks the object exactly as if the client had sent it by value (its signature with the client's
 * registered keys, its claims against the query).
 */
export function requestUriByReference(host: ProviderHost, fetch: Fetch): Middleware {
  return async (ctx, next) => {
    const uri = ctx.path === '/auth' && ctx.method === 'GET' ? ctx.query.request_uri : undefined;
    if (typeof uri !== 'string' || uri.startsWith(PUSHED) || ctx.query.request !== undefined) {
      await next();
      return;
    }
    const clientId = ctx.query.client_id;
    const client = typeof clientId === 'string' ? await host.current.Client.find(clientId) : undefined;
    // Without a known client oidc-provider gives its own answer (invalid_client) on the untouched request.
    if (!client) {
      await next();
      return;
    }
    if (!registeredUris(client).map(withoutFragment).includes(withoutFragment(uri))) {
      throw refused('the client did not register it (request_uris)');
    }
    const params = new URLSearchParams(ctx.querystring);
    params.delete('request_uri');
    params.set('request', await fetchObject(fetch, uri));
    ctx.querystring = params.toString();
    await next();
  };
}

/**
 * What discovery says of it: request_uri is taken (oidc-provider would say false), and only once
 * registered. Set on the way out, since oidc-provider's own answer would overwrite a configured one.
 */
export const requestUriDiscovery: Middleware = async (ctx, next) => {
  await next();
  if (ctx.path !== '/.well-known/openid-configuration' || ctx.status !== 200) return;
  const body = ctx.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return;
  body.request_uri_parameter_supported = true;
  body.require_request_uri_registration = true;
};
