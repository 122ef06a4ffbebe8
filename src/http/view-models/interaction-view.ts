import { PROFILE_CLAIMS } from '../../accounts/claims.js';
import type { ApiAccess } from '../../consent/access-description.js';
import { type Translate } from '../../i18n/translator.js';

/** Scopes and claims with a sentence of their own in the scopes namespace; any other gets the general one. */
const KNOWN_SCOPES = new Set(['openid', 'email', 'profile', 'offline_access']);
const KNOWN_CLAIMS = new Set<string>(['sub', 'email', 'email_verified', ...PROFILE_CLAIMS, 'acr', 'amr', 'auth_time']);

export interface ScopeView {
  name: string;
  description: string;
}

export function scopeViews(scopes: Iterable<string>, t: Translate): ScopeView[] {
  return [...new Set(scopes)].map((name) => ({
    name,
    description: t(KNOWN_SCOPES.has(name) ? `scopes:scope.${name}` : 'scopes:scope.other'),
  }));
}

export function clientDisplayName(
  client: { clientName?: string | undefined; clientId: string } | undefined,
  t: Translate,
): string {
  return client?.clientName || client?.clientId || t('common:theApplication');
}

export interface ApiView {
  name: string;
  host: string;
  scopes: ScopeView[];
}

/** An API's scopes in words: the operator's description, or a plain statement naming the API. */
export function apiViews(apis: ApiAccess[], t: Translate): ApiView[] {
  return apis.map((api) => ({
    name: api.name,
    host: api.host,
    scopes: api.scopes.map((s) => ({
      name: s.name,
      description: s.description ?? t('scopes:apiScope', { scope: s.name, api: api.name }),
    })),
  }));
}

export function claimViews(claims: Iterable<string>, t: Translate): ScopeView[] {
  return [...new Set(claims)].map((name) => ({
    name,
    description: t(KNOWN_CLAIMS.has(name) ? `scopes:claim.${name}` : 'scopes:claim.other'),
  }));
}

/** The host a browser will be sent back to: harder to fake than a name the client chose itself. */
export function returnHost(redirectUri: unknown): string | null {
  return typeof redirectUri === 'string' ? (URL.parse(redirectUri)?.host ?? null) : null;
}

export interface ClientBranding {
  name: string;
  /** Only an https URL: the page's CSP loads images from https and from nowhere else outside Signet. */
  logoUri: string | null;
  policyUri: string | null;
  tosUri: string | null;
}

/** An http(s) URL as given (for links), or null: nothing else (javascript:, data:) may become an href. */
function webUrl(value: unknown, schemes: readonly string[]): string | null {
  if (typeof value !== 'string') return null;
  const url = URL.parse(value);
  return url && schemes.includes(url.protocol) ? url.href : null;
}

/**
 * The client's name, logo and the links to its privacy policy and terms (OpenID Connect Dynamic
 * Client Registration 1.0, section 2: logo_uri, policy_uri, tos_uri), as the login and consent
 * pages show them.
 */
export function clientBranding(
  client:
    | { clientName?: string | undefined; clientId: string; logoUri?: unknown; policyUri?: unknown; tosUri?: unknown }
    | undefined,
  t: Translate,
): ClientBranding {
  return {
    name: clientDisplayName(client, t),
    logoUri: webUrl(client?.logoUri, ['https:']),
    policyUri: webUrl(client?.policyUri, ['https:', 'http:']),
    tosUri: webUrl(client?.tosUri, ['https:', 'http:']),
  };
}
