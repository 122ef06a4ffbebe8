import type { ApiAccess } from '../../consent/access-description.js';

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your Signet account id)',
  email: 'See your email address',
  profile: 'See your name and profile (username, picture, language, time zone)',
  offline_access: 'Stay connected while you are away (refresh tokens)',
};

const CLAIM_TEXT: Record<string, string> = {
  sub: 'Your Signet account id',
  email: 'Your email address',
  email_verified: 'Whether your email address was verified',
  name: 'Your name',
  given_name: 'Your given name',
  family_name: 'Your family name',
  preferred_username: 'Your username',
  picture: 'Your profile picture',
  locale: 'Your language',
  zoneinfo: 'Your time zone',
  updated_at: 'When your profile last changed',
  acr: 'How strongly you signed in',
  amr: 'How you signed in',
  auth_time: 'When you signed in',
};

export interface ScopeView {
  name: string;
  description: string;
}

export function scopeViews(scopes: Iterable<string>): ScopeView[] {
  return [...new Set(scopes)].map((name) => ({ name, description: SCOPE_TEXT[name] ?? 'Access to this permission' }));
}

export function clientDisplayName(client: { clientName?: string | undefined; clientId: string } | undefined): string {
  return client?.clientName || client?.clientId || 'the application';
}

export interface ApiView {
  name: string;
  host: string;
  scopes: ScopeView[];
}

/** An API's scopes in words: the operator's description, or a plain statement naming the API. */
export function apiViews(apis: ApiAccess[]): ApiView[] {
  return apis.map((api) => ({
    name: api.name,
    host: api.host,
    scopes: api.scopes.map((s) => ({
      name: s.name,
      description: s.description ?? `Use the "${s.name}" permission at ${api.name}`,
    })),
  }));
}

export function claimViews(claims: Iterable<string>): ScopeView[] {
  return [...new Set(claims)].map((name) => ({ name, description: CLAIM_TEXT[name] ?? 'This detail of your account' }));
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
): ClientBranding {
  return {
    name: clientDisplayName(client),
    logoUri: webUrl(client?.logoUri, ['https:']),
    policyUri: webUrl(client?.policyUri, ['https:', 'http:']),
    tosUri: webUrl(client?.tosUri, ['https:', 'http:']),
  };
}
