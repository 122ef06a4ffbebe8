import { randomBytes } from 'node:crypto';
import type { ProviderHost } from '../oidc/provider-host.js';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import { NotFoundError, ValidationError } from '../errors.js';
import { authAndLogoutMetadata, SECRETLESS_METHODS } from './client-create-options.js';
import { checkClientPolicy } from './client-policy.js';
import { InitialAccessTokens } from './initial-access-tokens.js';
import {
  ACCESS_TOKEN_FORMAT,
  ALLOWED_RESOURCE_SCOPE,
  PKCE_POLICIES,
  PKCE_POLICY,
  pkceOptional,
  REGISTERED_BY,
  RESOURCE_SCOPE,
  SCOPE_DESCRIPTIONS,
  type PkcePolicy,
} from './client-metadata.js';
import type { OidcPayload, OidcRecordStore } from '../storage/store.js';

/**
 * web: a browser-facing relying party (code + PKCE, refresh tokens); confidential unless `public`.
 * native: an app on a device (RFC 8252): public (PKCE), loopback and private-use redirects allowed.
 * service: machine to machine, client_credentials only, no user and no redirects.
 * resource-server: an API (RFC 8707 resource) that only introspects tokens; it may use no grant at all,
 * and its client_id is its resource indicator, the `resource` clients ask tokens for.
 */
export const CLIENT_TYPES = ['web', 'native', 'service', 'resource-server'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export interface NewClient {
  name: string;
  type?: ClientType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** A web client without a secret (token_endpoint_auth_method none). */
  public?: boolean;
  /**
   * Space-separated scopes: those a service client may ask for, or those a resource server offers
   * (provider-config.ts: ALLOWED_RESOURCE_SCOPE, RESOURCE_SCOPE).
   */
  scope?: string;
  /** resource-server only: its resource indicator, which becomes its client_id. */
  resource?: string;
  /** resource-server only: "jwt" opts its access tokens in to short-lived RFC 9068 JWTs. */
  accessTokenFormat?: 'opaque' | 'jwt';
  /** resource-server only: what each offered scope allows, shown on consent pages. */
  scopeDescriptions?: Record<string, string>;
  /** Confidential web clients only: "optional" lets the client leave out PKCE (see PKCE_POLICY). */
  pkce?: PkcePolicy;
  /** Overrides the type's default (client-create-options.ts); private_key_jwt needs jwksUri. */
  tokenEndpointAuthMethod?: string;
  jwksUri?: string;
  /** web and native: where the client is told of logouts (OpenID Back-Channel Logout 1.0). */
  backchannelLogoutUri?: string;
}

export interface ClientChanges {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** service and resource-server clients: replaces the scopes (see NewClient.scope). */
  scope?: string;
  /** resource-server clients: replaces the scope descriptions. */
  scopeDescriptions?: Record<string, string>;
  /** web and native clients: whether PKCE may be left out (optional only for a confidential one). */
  pkce?: PkcePolicy;
}

export interface ClientSummary {
  client_id: string;
  client_name: string | null;
  type: ClientType;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
}

/** Auth methods that present the client secret itself, the only ones a rotation means anything for. */
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** What a stored client is, read back from its metadata. */
export function clientType(metadata: Record<string, unknown>): ClientType {
  const grants = strings(metadata.grant_types);
  if (metadata.grant_types !== undefined && grants.length === 0) return 'resource-server';
  if (grants.length > 0 && grants.every((g) => g === 'client_credentials')) return 'service';
  return metadata.application_type === 'native' ? 'native' : 'web';
}

/** Where a client type keeps its --scope: what a service may ask for, what a resource server offers. */
const SCOPE_FIELD: Partial<Record<ClientType, string>> = {
  service: ALLOWED_RESOURCE_SCOPE,
  'resource-server': RESOURCE_SCOPE,
};

function scopeList(value: string): string {
  const scope = value.trim().split(/\s+/).filter(Boolean).join(' ');
  if (!scope) throw new ValidationError('--scope must name at least one scope');
  return scope;
}

/** RFC 8707 section 2: an absolute URI without a fragment; https, or http outside production. */
function resourceIndicator(value: string | undefined, production: boolean): string {
  if (!value)
    throw new ValidationError('--resource is required for a resource-server (its URI, e.g. https://api.example.com)');
  const url = URL.parse(value);
  const allowed = url?.protocol === 'https:' || (url?.protocol === 'http:' && !production);
  if (!url || !allowed || value.includes('#')) {
    throw new ValidationError(
      `--resource must be an absolute ${production ? 'https' : 'http(s)'} URI without a fragment: ${value}`,
    );
  }
  return value;
}

/** Descriptions only for scopes the API offers, so none can dress up a scope it does not have. */
function describedScopes(descriptions: Record<string, string>, offered: string | undefined): Record<string, string> {
  const scopes = new Set((offered ?? '').split(/\s+/).filter(Boolean));
  const unknown = Object.keys(descriptions).filter((scope) => !scopes.has(scope));
  if (unknown.length > 0)
    throw new ValidationError(`--scope-description names scopes the API does not offer: ${unknown.join(', ')}`);
  return descriptions;
}

/**
 * The PKCE policy as stored: only "optional" is written ("required" is the default and removes the field).
 * A public client is refused: without a secret, PKCE is all that ties a code to whoever asked for it.
 */
function pkceMetadata(policy: string, type: ClientType, authMethod: unknown): Record<string, string> {
  if (!(PKCE_POLICIES as readonly string[]).includes(policy))
    throw new ValidationError(`--pkce must be one of ${PKCE_POLICIES.join(', ')}`);
  if (type !== 'web' && type !== 'native')
    throw new ValidationError(
      `--pkce applies only to web clients, not to a ${type} client (it has no authorization code)`,
    );
  if (policy === 'optional' && (authMethod === 'none' || type === 'native')) {
    throw new ValidationError(
      '--pkce optional is only for a confidential client: a public client (--public, native) must always use PKCE',
    );
  }
  return policy === 'optional' ? { [PKCE_POLICY]: 'optional' } : {};
}

function typeMetadata(input: NewClient, type: ClientType): Partial<ClientMetadata> {
  const redirects = (input.redirectUris ?? []).length + (input.postLogoutRedirectUris ?? []).length;
  if (input.public && type !== 'web' && type !== 'native')
    throw new ValidationError(`--public does not apply to a ${type} client (it is confidential)`);
  const scopeField = SCOPE_FIELD[type];
  if (input.scope !== undefined && !scopeField)
    throw new ValidationError('--scope applies only to --type service or resource-server');
  if (input.resource !== undefined && type !== 'resource-server')
    throw new ValidationError('--resource applies only to --type resource-server');
  if (input.accessTokenFormat !== undefined && type !== 'resource-server') {
    throw new ValidationError('--access-token-format applies only to --type resource-server');
  }
  if (input.scopeDescriptions !== undefined && type !== 'resource-server') {
    throw new ValidationError('--scope-description applies only to --type resource-server');
  }
  if (input.pkce !== undefined && type !== 'web' && type !== 'native') pkceMetadata(input.pkce, type, undefined);
  switch (type) {
    case 'web':
    case 'native':
      if ((input.redirectUris ?? []).length === 0) throw new ValidationError('at least one --redirect-uri is required');
      return {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        ...(type === 'native' ? { application_type: 'native' } : {}),
        token_endpoint_auth_method: input.public || type === 'native' ? 'none' : 'client_secret_basic',
        ...(input.pkce !== undefined
          ? pkceMetadata(input.pkce, type, input.public || type === 'native' ? 'none' : 'client_secret_basic')
          : {}),
      };
    case 'service':
    case 'resource-server':
      if (redirects > 0)
        throw new ValidationError(`a ${type} client takes no --redirect-uri or --post-logout-redirect-uri`);
      return {
        grant_types: type === 'service' ? ['client_credentials'] : [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        ...(input.scope !== undefined && scopeField ? { [scopeField]: scopeList(input.scope) } : {}),
        ...(input.accessTokenFormat ? { [ACCESS_TOKEN_FORMAT]: input.accessTokenFormat } : {}),
        ...(input.scopeDescriptions
          ? { [SCOPE_DESCRIPTIONS]: describedScopes(input.scopeDescriptions, input.scope) }
          : {}),
      };
  }
}

/**
 * Operator-side client management (the CLI). Metadata goes through Signet's registration policy and
 * oidc-provider's own validator, so a client the CLI accepts is one the provider will load; it is stored
 * through the same adapter as dynamic registrations (which hashes the secret).
 */
export class ClientAdmin {
  private readonly adapter: Adapter;

  /** Tokens that let a developer register clients at /reg (RFC 7591). */
  readonly initialAccessTokens: InitialAccessTokens;

  constructor(
    private readonly host: ProviderHost,
    private readonly records: OidcRecordStore,
    AdapterClass: new (name: string) => Adapter,
    private readonly production: boolean,
    private readonly outboundAllowedHosts: readonly string[] = [],
  ) {
    this.adapter = new AdapterClass('Client');
    this.initialAccessTokens = new InitialAccessTokens(host, records);
  }

  private async validate(metadata: ClientMetadata): Promise<void> {
    try {
      checkClientPolicy(metadata as Record<string, unknown>, {
        production: this.production,
        outboundAllowedHosts: this.outboundAllowedHosts,
      });
      await this.host.current.Client.validate(metadata);
    } catch (err) {
      const e = err as { error_description?: string; message?: string };
      throw new ValidationError(e.error_description ?? e.message ?? 'invalid client metadata');
    }
  }

  private async stored(clientId: string): Promise<OidcPayload> {
    const found = await this.records.find('Client', clientId);
    if (!found) throw new NotFoundError(`no client ${clientId}`);
    return found;
  }

  async create(input: NewClient): Promise<{ client_id: string; client_secret?: string }> {
    if (!input.name.trim()) throw new ValidationError('--name must not be empty');
    const type = input.type ?? 'web';
    if (!(CLIENT_TYPES as readonly string[]).includes(type))
      throw new ValidationError(`--type must be one of ${CLIENT_TYPES.join(', ')}`);
    const shape = { ...typeMetadata(input, type), ...authAndLogoutMetadata(input, type) } as Partial<ClientMetadata>;
    const clientId =
      type === 'resource-server'
        ? resourceIndicator(input.resource, this.production)
        : randomBytes(16).toString('base64url');
    // Chosen ids cannot collide; a resource indicator can, and an upsert would overwrite that client.
    if (await this.records.find('Client', clientId)) throw new ValidationError(`a client ${clientId} already exists`);
    const secret = SECRETLESS_METHODS.has(String(shape.token_endpoint_auth_method))
      ? undefined
      : randomBytes(32).toString('base64url');
    const metadata: ClientMetadata = {
      client_id: clientId,
      client_name: input.name.trim(),
      redirect_uris: input.redirectUris ?? [],
      post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
      ...shape,
      [REGISTERED_BY]: 'operator',
      client_id_issued_at: Math.floor(Date.now() / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    };
    await this.validate(metadata);
    await this.adapter.upsert(clientId, metadata as Record<string, unknown>, 0);
    return secret ? { client_id: clientId, client_secret: secret } : { client_id: clientId };
  }

  async list(): Promise<ClientSummary[]> {
    return (await this.records.list('Client', 1000)).map(({ id, payload }) => ({
      client_id: id,
      client_name: typeof payload.client_name === 'string' ? payload.client_name : null,
      type: clientType(payload),
      redirect_uris: strings(payload.redirect_uris),
      token_endpoint_auth_method: String(payload.token_endpoint_auth_method ?? 'client_secret_basic'),
    }));
  }

  /** The stored metadata, without the (hashed) secret. */
  async show(clientId: string): Promise<Record<string, unknown>> {
    const { client_secret: _hash, ...metadata } = await this.stored(clientId);
    const type = clientType(metadata);
    const pkce = type === 'web' || type === 'native' ? { pkce: pkceOptional(metadata) ? 'optional' : 'required' } : {};
    return { ...metadata, client_id: clientId, type, ...pkce };
  }

  /** Replaces the given fields; the result must pass the same validation as a new client. */
  async update(clientId: string, changes: ClientChanges): Promise<{ client_id: string; updated: string[] }> {
    const current = await this.stored(clientId);
    const next: Record<string, unknown> = { ...current };
    const updated: string[] = [];
    if (changes.name !== undefined) {
      if (!changes.name.trim()) throw new ValidationError('--name must not be empty');
      next.client_name = changes.name.trim();
      updated.push('client_name');
    }
    const type = clientType(current);
    const redirectless = type === 'service' || type === 'resource-server';
    for (const [field, value] of [
      ['redirect_uris', changes.redirectUris],
      ['post_logout_redirect_uris', changes.postLogoutRedirectUris],
    ] as const) {
      if (value === undefined || value.length === 0) continue;
      if (redirectless)
        throw new ValidationError(`a ${type} client takes no --redirect-uri or --post-logout-redirect-uri`);
      next[field] = value;
      updated.push(field);
    }
    if (changes.scope !== undefined) {
      const field = SCOPE_FIELD[type];
      if (!field)
        throw new ValidationError(
          `--scope applies only to service and resource-server clients, not to a ${type} client`,
        );
      next[field] = scopeList(changes.scope);
      updated.push(field);
    }
    if (changes.scopeDescriptions !== undefined) {
      if (type !== 'resource-server')
        throw new ValidationError(
          `--scope-description applies only to resource-server clients, not to a ${type} client`,
        );
      next[SCOPE_DESCRIPTIONS] = describedScopes(changes.scopeDescriptions, String(next[RESOURCE_SCOPE] ?? ''));
      updated.push(SCOPE_DESCRIPTIONS);
    }
    if (changes.pkce !== undefined) {
      delete next[PKCE_POLICY];
      Object.assign(next, pkceMetadata(changes.pkce, type, current.token_endpoint_auth_method));
      updated.push(PKCE_POLICY);
    }
    if (updated.length === 0) {
      throw new ValidationError(
        'nothing to update: give --name, --redirect-uri, --post-logout-redirect-uri, --scope, --scope-description or --pkce',
      );
    }
    await this.validate(next as ClientMetadata);
    await this.adapter.upsert(clientId, next, 0);
    return { client_id: clientId, updated };
  }

  /** A new random secret, returned once and stored hashed; the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<{ client_id: string; client_secret: string }> {
    const current = await this.stored(clientId);
    const method = String(current.token_endpoint_auth_method ?? 'client_secret_basic');
    if (method === 'none')
      throw new ValidationError(`client ${clientId} is public (token_endpoint_auth_method none): it has no secret`);
    if (!SECRET_METHODS.has(method))
      throw new ValidationError(`client ${clientId} authenticates with ${method}, not with a secret`);
    const secret = randomBytes(32).toString('base64url');
    await this.adapter.upsert(clientId, { ...current, client_secret: secret, client_secret_expires_at: 0 }, 0);
    return { client_id: clientId, client_secret: secret };
  }

  async delete(clientId: string): Promise<void> {
    await this.stored(clientId);
    await this.records.destroy('Client', clientId);
  }
}
