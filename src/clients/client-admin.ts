import { randomBytes } from 'node:crypto';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import { actedBy, AUDIT, CLI_OPERATOR, type Actor, type AuditLog, type AuditType } from '../audit/audit-log.js';
import { FieldError, NotFoundError, ValidationError } from '../errors.js';
import type { ProviderHost } from '../oidc/provider-host.js';
import type { Clock, OidcPayload, OidcRecordStore } from '../storage/store.js';
import { mfaScopesMetadata } from './api-mfa-scopes.js';
import { authAndLogoutMetadata, SECRETLESS_METHODS } from './client-create-options.js';
import {
  MFA_SCOPES,
  mfaRequired,
  passkeyRequired,
  mfaScopesOf,
  pkceOptional,
  REGISTERED_BY,
  RESOURCE_SCOPE,
} from './client-metadata.js';
import { checkClientPolicy } from './client-policy.js';
import { resourceIndicator, typeMetadata } from './client-shape.js';
import { actsForUsers, authMethodOf, CLIENT_TYPES, clientType, isClientType, strings } from './client-types.js';
import { changedMetadata } from './client-update.js';
import { InitialAccessTokens } from './initial-access-tokens.js';
import type { ClientChanges, ClientSummary, NewClient } from './new-client.js';

export { CLIENT_TYPES, clientType, type ClientType } from './client-types.js';
export type { ClientChanges, ClientSummary, NewClient } from './new-client.js';

/** Auth methods that present the client secret itself, the only ones a rotation means anything for. */
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

/** ClientAdmin is operator-side: a caller that names no one else is the operator at the CLI. */
const OPERATOR = CLI_OPERATOR;

const secretValue = () => randomBytes(32).toString('base64url');

/**
 * Operator-side client management. Metadata goes through Signet's registration policy and
 * oidc-provider's own validator, so a client accepted here is one the provider will load; it is stored
 * through the same adapter as dynamic registrations (which hashes the secret). Every change is
 * recorded in the audit log given, whoever the caller is.
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
    private readonly outboundAllowedHosts: readonly string[],
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {
    this.adapter = new AdapterClass('Client');
    this.initialAccessTokens = new InitialAccessTokens(host, records, audit);
  }

  /** The same admin, recording every change in this audit log with this clock's time. */
  private async validate(metadata: ClientMetadata): Promise<void> {
    try {
      checkClientPolicy(metadata, {
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

  private async record(
    type: AuditType,
    clientId: string,
    actor: Actor,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.audit.record(type, actedBy(actor, { clientId }, details));
  }

  async create(input: NewClient, actor: Actor = OPERATOR): Promise<{ client_id: string; client_secret?: string }> {
    if (!input.name.trim()) throw new FieldError((f) => `${f('name')} must not be empty`);
    const type = input.type ?? 'web';
    if (!isClientType(type)) throw new FieldError((f) => `${f('type')} must be one of ${CLIENT_TYPES.join(', ')}`);
    const typed = typeMetadata(input, type);
    const shape = {
      ...typed,
      ...authAndLogoutMetadata(input, type),
      ...(input.mfaScopes !== undefined ? mfaScopesMetadata(input.mfaScopes, type, typed[RESOURCE_SCOPE]) : {}),
    } as Partial<ClientMetadata>;
    const clientId =
      type === 'resource-server'
        ? resourceIndicator(input.resource, this.production)
        : randomBytes(16).toString('base64url');
    // Chosen ids cannot collide; a resource indicator can, and an upsert would overwrite that client.
    if (await this.records.find('Client', clientId)) throw new ValidationError(`a client ${clientId} already exists`);
    const secret = SECRETLESS_METHODS.has(String(shape.token_endpoint_auth_method)) ? undefined : secretValue();
    const metadata: ClientMetadata = {
      client_id: clientId,
      client_name: input.name.trim(),
      redirect_uris: input.redirectUris ?? [],
      post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
      ...shape,
      [REGISTERED_BY]: 'operator',
      client_id_issued_at: Math.floor(this.clock() / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    };
    await this.validate(metadata);
    await this.adapter.upsert(clientId, metadata, 0);
    await this.record(AUDIT.clientRegistered, clientId, actor, {
      type,
      ...(input.pkce !== undefined ? { pkce: input.pkce } : {}),
      ...(input.requireMfa ? { require_mfa: true } : {}),
      ...(input.requirePasskey ? { require_passkey: true } : {}),
      ...(shape[MFA_SCOPES] !== undefined ? { mfa_scopes: shape[MFA_SCOPES] } : {}),
    });
    return secret ? { client_id: clientId, client_secret: secret } : { client_id: clientId };
  }

  async list(): Promise<ClientSummary[]> {
    return (await this.records.list('Client', 1000)).map(({ id, payload }) => ({
      client_id: id,
      client_name: typeof payload.client_name === 'string' ? payload.client_name : null,
      type: clientType(payload),
      redirect_uris: strings(payload.redirect_uris),
      token_endpoint_auth_method: authMethodOf(payload),
    }));
  }

  /** The stored metadata, without the (hashed) secret. */
  async show(clientId: string): Promise<Record<string, unknown>> {
    const metadata = { ...(await this.stored(clientId)) };
    delete metadata.client_secret;
    const type = clientType(metadata);
    const policy = actsForUsers(type)
      ? {
          pkce: pkceOptional(metadata) ? 'optional' : 'required',
          require_mfa: mfaRequired(metadata),
          require_passkey: passkeyRequired(metadata),
        }
      : type === 'resource-server'
        ? { mfa_scopes: mfaScopesOf(metadata).join(' ') }
        : {};
    return { ...metadata, client_id: clientId, type, ...policy };
  }

  /** Replaces the given fields; the result must pass the same validation as a new client. */
  async update(
    clientId: string,
    changes: ClientChanges,
    actor: Actor = OPERATOR,
  ): Promise<{ client_id: string; updated: string[] }> {
    const { next, updated } = changedMetadata(await this.stored(clientId), changes);
    await this.validate(next as ClientMetadata);
    await this.adapter.upsert(clientId, next, 0);
    await this.record(AUDIT.clientUpdated, clientId, actor, {
      fields: updated,
      ...(changes.pkce !== undefined ? { pkce: changes.pkce } : {}),
      ...(changes.requireMfa !== undefined ? { require_mfa: changes.requireMfa } : {}),
      ...(changes.requirePasskey !== undefined ? { require_passkey: changes.requirePasskey } : {}),
      ...(changes.mfaScopes !== undefined ? { mfa_scopes: mfaScopesOf(next).join(' ') } : {}),
    });
    return { client_id: clientId, updated };
  }

  /** A new random secret, returned once and stored hashed; the old one stops working at once. */
  async rotateSecret(clientId: string, actor: Actor = OPERATOR): Promise<{ client_id: string; client_secret: string }> {
    const current = await this.stored(clientId);
    const method = authMethodOf(current);
    if (method === 'none')
      throw new ValidationError(`client ${clientId} is public (token_endpoint_auth_method none): it has no secret`);
    if (!SECRET_METHODS.has(method))
      throw new ValidationError(`client ${clientId} authenticates with ${method}, not with a secret`);
    const secret = secretValue();
    await this.adapter.upsert(clientId, { ...current, client_secret: secret, client_secret_expires_at: 0 }, 0);
    await this.record(AUDIT.clientUpdated, clientId, actor, { fields: ['client_secret'] });
    return { client_id: clientId, client_secret: secret };
  }

  async delete(clientId: string, actor: Actor = OPERATOR): Promise<void> {
    await this.stored(clientId);
    await this.records.destroy('Client', clientId);
    await this.record(AUDIT.clientDeleted, clientId, actor);
  }
}
