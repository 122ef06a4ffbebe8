import { isIP } from 'node:net';

/** A refused registration: the RFC 7591 error code and a description naming the field. */
export class ClientPolicyError extends Error {
  constructor(
    readonly code: 'invalid_redirect_uri' | 'invalid_client_metadata',
    message: string,
  ) {
    super(message);
  }
}

export const ALLOWED_GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

/** Fields whose URLs Signet or a browser fetches: https only, never loopback or private (SSRF). */
export const FETCHED_URL_FIELDS = ['jwks_uri', 'sector_identifier_uri', 'logo_uri', 'client_uri', 'policy_uri', 'tos_uri'] as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/** RFC 1918, loopback, link-local, CGNAT, unique-local, unspecified: nothing a client may point us at. */
export function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal')) return true;
  const v = isIP(h);
  if (v === 4) {
    const [a = 0, b = 0] = h.split('.').map(Number);
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (v === 6) {
    if (h === '::' || h === '::1') return true;
    if (h.startsWith('::ffff:')) return isPrivateAddress(h.slice(7));
    return /^(fc|fd|fe8|fe9|fea|feb)/.test(h);
  }
  return false;
}

function parse(field: string, value: unknown, code: ClientPolicyError['code']): URL {
  if (typeof value !== 'string') throw new ClientPolicyError(code, `${field} must contain only URL strings`);
  if (value.includes('*')) throw new ClientPolicyError(code, `${field} must not contain wildcards: ${value}`);
  const url = URL.parse(value);
  if (!url) throw new ClientPolicyError(code, `${field} must contain only absolute URLs: ${value}`);
  if (DANGEROUS_SCHEMES.has(url.protocol)) throw new ClientPolicyError(code, `${field} must not use the ${url.protocol} scheme`);
  if (value.includes('#')) throw new ClientPolicyError(code, `${field} must not contain a fragment: ${value}`);
  return url;
}

/**
 * Where a client may send users back to: https; http only on a loopback address (RFC 8252 7.3) for
 * native clients, and outside production for any client (developers' machines); a private-use scheme
 * with a dot (RFC 8252 7.1) for native clients.
 */
function checkReturnUri(field: string, value: unknown, native: boolean, production: boolean, code: ClientPolicyError['code']): void {
  const url = parse(field, value, code);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname) && (native || !production)) return;
    throw new ClientPolicyError(code, `${field} must use https (http is allowed only for loopback${production ? ' in native clients' : ''}): ${String(value)}`);
  }
  if (native && /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return;
  throw new ClientPolicyError(code, `${field} must use https: ${String(value)}`);
}

function checkArray(field: string, value: unknown, code: ClientPolicyError['code']): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ClientPolicyError(code, `${field} must be an array`);
  if (new Set(value.map(String)).size !== value.length) throw new ClientPolicyError(code, `${field} must not repeat a value`);
  return value;
}

/** Signet's registration policy, on top of oidc-provider's own validation. Throws ClientPolicyError. */
export function checkClientPolicy(metadata: Record<string, unknown>, options: { production: boolean }): void {
  const native = metadata.application_type === 'native';
  for (const uri of checkArray('redirect_uris', metadata.redirect_uris, 'invalid_redirect_uri')) {
    checkReturnUri('redirect_uris', uri, native, options.production, 'invalid_redirect_uri');
  }
  for (const uri of checkArray('post_logout_redirect_uris', metadata.post_logout_redirect_uris, 'invalid_client_metadata')) {
    checkReturnUri('post_logout_redirect_uris', uri, native, options.production, 'invalid_client_metadata');
  }
  if (metadata.backchannel_logout_uri !== undefined) {
    // Signet POSTs here: a return URI's rules (https, loopback only in development), and never private.
    checkReturnUri('backchannel_logout_uri', metadata.backchannel_logout_uri, false, options.production, 'invalid_client_metadata');
    const host = new URL(String(metadata.backchannel_logout_uri)).hostname;
    if (!LOOPBACK_HOSTS.has(host) && isPrivateAddress(host)) {
      throw new ClientPolicyError('invalid_client_metadata', 'backchannel_logout_uri must not point at a private address');
    }
  }
  for (const grant of checkArray('grant_types', metadata.grant_types, 'invalid_client_metadata')) {
    if (!ALLOWED_GRANT_TYPES.has(String(grant))) {
      throw new ClientPolicyError('invalid_client_metadata', `grant_types: ${String(grant)} is not offered (only ${[...ALLOWED_GRANT_TYPES].join(', ')})`);
    }
  }
  checkArray('response_types', metadata.response_types, 'invalid_client_metadata');
  for (const field of FETCHED_URL_FIELDS) {
    const value = metadata[field];
    if (value === undefined) continue;
    const url = parse(field, value, 'invalid_client_metadata');
    if (url.protocol !== 'https:') throw new ClientPolicyError('invalid_client_metadata', `${field} must use https`);
    if (isPrivateAddress(url.hostname)) {
      throw new ClientPolicyError('invalid_client_metadata', `${field} must not point at a loopback or private address`);
    }
  }
  if (metadata.token_endpoint_auth_method === 'none' && metadata.client_secret !== undefined && metadata.client_secret !== null) {
    throw new ClientPolicyError('invalid_client_metadata', 'client_secret conflicts with token_endpoint_auth_method none');
  }
}
