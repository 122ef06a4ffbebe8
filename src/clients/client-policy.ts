import { isAllowedHost } from '../net/allowed-hosts.js';
import { classifyHost, LOOPBACK_HOSTS, mayConnect } from '../net/address-policy.js';
import { AppError } from '../errors.js';

/** A refused registration: the RFC 7591 error code and a description naming the field. */
export class ClientPolicyError extends AppError {
  constructor(
    override readonly code: 'invalid_redirect_uri' | 'invalid_client_metadata',
    message: string,
  ) {
    super(code, message, 400);
  }
}

export interface ClientPolicyOptions {
  production: boolean;
  /** OUTBOUND_ALLOWED_HOSTS: hosts a server-fetched URL may name whatever they resolve to. */
  outboundAllowedHosts?: readonly string[];
}

export const ALLOWED_GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

/**
 * Limits on what one registration may store. Open registration lets anyone write a client: these keep
 * one from filling the store or a consent page (a name is shown to users; a hundred characters name any
 * real product), and from making every authorization request compare against thousands of URIs.
 */
export const LIMITS = {
  nameLength: 100,
  redirectUris: 20,
  postLogoutRedirectUris: 20,
  urlLength: 2000,
  contacts: 10,
  /** RFC 5321 4.5.3.1.3: the longest path an address can take. */
  contactLength: 254,
} as const;

/** URLs Signet itself connects to: SSRF targets, so never loopback (unless named by the operator) or private. */
export const SERVER_FETCHED_URL_FIELDS = ['jwks_uri', 'sector_identifier_uri'] as const;
/** Enough for a relying party's few request-object locations; each one is a URL Signet may fetch. */
const MAX_REQUEST_URIS = 10;
/** URLs only a browser loads (the consent page's links and logo): https, like any page they sit on. */
export const BROWSER_URL_FIELDS = ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri', 'initiate_login_uri'] as const;

const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);
/**
 * Controls, and the bidi overrides, embeddings, isolates and marks (Unicode TR 9) that make a name
 * render as something else than its characters ("Trojan Source"): a consent page must show the name
 * a client registered, not one it spells backwards.
 */
const UNSAFE_NAME_CHARACTERS = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

function parse(field: string, value: unknown, code: ClientPolicyError['code']): URL {
  if (typeof value !== 'string') throw new ClientPolicyError(code, `${field} must contain only URL strings`);
  if (value.length > LIMITS.urlLength)
    throw new ClientPolicyError(code, `${field} must not be longer than ${LIMITS.urlLength} characters`);
  if (value.includes('*')) throw new ClientPolicyError(code, `${field} must not contain wildcards: ${value}`);
  const url = URL.parse(value);
  if (!url) throw new ClientPolicyError(code, `${field} must contain only absolute URLs: ${value}`);
  if (DANGEROUS_SCHEMES.has(url.protocol))
    throw new ClientPolicyError(code, `${field} must not use the ${url.protocol} scheme`);
  if (value.includes('#')) throw new ClientPolicyError(code, `${field} must not contain a fragment: ${value}`);
  // https://evil.example@good.example/ reads as good.example's to a hurried eye; no legitimate URL here needs
  // credentials (RFC 3986 3.2.1 deprecates them). Checked on the text too: an empty "@" vanishes in url.
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value)) {
    throw new ClientPolicyError(code, `${field} must not contain user information (user:password@): ${value}`);
  }
  return url;
}

/**
 * Where a client may send users back to: https; http only on a loopback address (RFC 8252 7.3) for
 * native clients, and outside production for any client (developers' machines); a private-use scheme
 * with a dot (RFC 8252 7.1) for native clients.
 */
function checkReturnUri(
  field: string,
  value: unknown,
  native: boolean,
  production: boolean,
  code: ClientPolicyError['code'],
): void {
  const url = parse(field, value, code);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname) && (native || !production)) return;
    throw new ClientPolicyError(
      code,
      `${field} must use https (http is allowed only for loopback${production ? ' in native clients' : ''}): ${String(value)}`,
    );
  }
  if (native && /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return;
  throw new ClientPolicyError(code, `${field} must use https: ${String(value)}`);
}

/**
 * A URL Signet requests itself. Judged by name here and by resolved address when connecting
 * (guarded-fetch.ts), with the same rules: a host the operator allowed is fetched whatever it is;
 * loopback (in any spelling) only where `loopbackInDevelopment` and outside production; private never.
 */
function checkServerFetched(
  field: string,
  value: unknown,
  options: ClientPolicyOptions,
  loopbackInDevelopment: boolean,
): void {
  const url = parse(field, value, 'invalid_client_metadata');
  const allowed = isAllowedHost(url, options.outboundAllowedHosts ?? []);
  const kind = classifyHost(url.hostname);
  const development = loopbackInDevelopment && !options.production;
  const httpOk = development && (allowed || kind === 'loopback');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpOk)) {
    throw new ClientPolicyError(
      'invalid_client_metadata',
      `${field} must use https${development ? ' (http is allowed only for loopback)' : ''}: ${String(value)}`,
    );
  }
  if (allowed) return;
  if (kind === 'loopback' ? !development : !mayConnect(kind, options.production)) {
    throw new ClientPolicyError(
      'invalid_client_metadata',
      `${field} must not point at a loopback or private address: ${String(value)}`,
    );
  }
}

function checkArray(field: string, value: unknown, code: ClientPolicyError['code'], max?: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ClientPolicyError(code, `${field} must be an array`);
  if (max !== undefined && value.length > max)
    throw new ClientPolicyError(code, `${field} must not have more than ${max} entries`);
  // JSON text, not String(): {"toString": 1} from a request body cannot be made a string and would throw.
  if (new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
    throw new ClientPolicyError(code, `${field} must not repeat a value`);
  return value;
}

/** client_name and its language-tagged forms (OpenID Connect Registration 2.1: client_name#ja-Jpan-JP). */
function checkNames(metadata: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (key !== 'client_name' && !key.startsWith('client_name#')) continue;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new ClientPolicyError('invalid_client_metadata', `${key} must be a string`);
    if (Array.from(value).length > LIMITS.nameLength)
      throw new ClientPolicyError(
        'invalid_client_metadata',
        `${key} must not be longer than ${LIMITS.nameLength} characters`,
      );
    if (UNSAFE_NAME_CHARACTERS.test(value)) {
      throw new ClientPolicyError(
        'invalid_client_metadata',
        `${key} must not contain control or bidirectional formatting characters`,
      );
    }
  }
}

function checkContacts(value: unknown): void {
  for (const contact of checkArray('contacts', value, 'invalid_client_metadata', LIMITS.contacts)) {
    if (typeof contact !== 'string' || contact.length > LIMITS.contactLength || UNSAFE_NAME_CHARACTERS.test(contact)) {
      throw new ClientPolicyError(
        'invalid_client_metadata',
        `contacts must be strings of at most ${LIMITS.contactLength} characters without control characters`,
      );
    }
  }
}

/** Signet's registration policy, on top of oidc-provider's own validation. Throws ClientPolicyError. */
export function checkClientPolicy(metadata: Record<string, unknown>, options: ClientPolicyOptions): void {
  const native = metadata.application_type === 'native';
  checkNames(metadata);
  checkContacts(metadata.contacts);
  for (const uri of checkArray('redirect_uris', metadata.redirect_uris, 'invalid_redirect_uri', LIMITS.redirectUris)) {
    checkReturnUri('redirect_uris', uri, native, options.production, 'invalid_redirect_uri');
  }
  const postLogout = checkArray(
    'post_logout_redirect_uris',
    metadata.post_logout_redirect_uris,
    'invalid_client_metadata',
    LIMITS.postLogoutRedirectUris,
  );
  for (const uri of postLogout) {
    checkReturnUri('post_logout_redirect_uris', uri, native, options.production, 'invalid_client_metadata');
  }
  if (metadata.backchannel_logout_uri !== undefined) {
    // Signet POSTs here: https, loopback only outside production (a developer's relying party).
    checkServerFetched('backchannel_logout_uri', metadata.backchannel_logout_uri, options, true);
  }
  // Request objects passed by reference (OIDC Core 6.2): Signet GETs these, so the same rules; only a
  // registered one is ever fetched. OIDC Core caps each at 512 characters.
  for (const uri of checkArray('request_uris', metadata.request_uris, 'invalid_client_metadata', MAX_REQUEST_URIS)) {
    if (typeof uri !== 'string' || uri.length > 512)
      throw new ClientPolicyError('invalid_client_metadata', 'request_uris must be URLs of at most 512 characters');
    // A fragment (OIDC Core 6.2: the object's hash) is the client's note, never part of what is fetched.
    checkServerFetched('request_uris', uri.split('#')[0], options, true);
  }
  for (const grant of checkArray('grant_types', metadata.grant_types, 'invalid_client_metadata')) {
    if (typeof grant !== 'string' || !ALLOWED_GRANT_TYPES.has(grant)) {
      throw new ClientPolicyError(
        'invalid_client_metadata',
        `grant_types: ${typeof grant === 'string' ? grant : JSON.stringify(grant)} is not offered (only ${[...ALLOWED_GRANT_TYPES].join(', ')})`,
      );
    }
  }
  checkArray('response_types', metadata.response_types, 'invalid_client_metadata');
  for (const field of SERVER_FETCHED_URL_FIELDS) {
    if (metadata[field] !== undefined) checkServerFetched(field, metadata[field], options, false);
  }
  for (const field of BROWSER_URL_FIELDS) {
    // Never requested by Signet, so no SSRF: where they point is the browser's business.
    if (metadata[field] !== undefined)
      checkReturnUri(field, metadata[field], false, options.production, 'invalid_client_metadata');
  }
  if (
    metadata.token_endpoint_auth_method === 'none' &&
    metadata.client_secret !== undefined &&
    metadata.client_secret !== null
  ) {
    throw new ClientPolicyError(
      'invalid_client_metadata',
      'client_secret conflicts with token_endpoint_auth_method none',
    );
  }
}
