import { randomBytes } from 'node:crypto';
import type { ProviderHost } from './provider-host.js';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import { NotFoundError, ValidationError } from '../errors.js';
import { checkClientPolicy } from './client-policy.js';
import type { OidcRecordStore } from '../storage/store.js';

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  public?: boolean;
}

export interface ClientSummary {
  client_id: string;
  client_name: string | null;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
}

/**
 * Operator-side client management (the CLI). Metadata goes through oidc-provider's own validator, so a
 * client the CLI accepts is one the provider will load; it is stored through the same adapter as
 * dynamic registrations (which hashes the secret).
 */
export class ClientAdmin {
  private readonly adapter: Adapter;

  constructor(
    private readonly host: ProviderHost,
    private readonly records: OidcRecordStore,
    AdapterClass: new (name: string) => Adapter,
    private readonly production: boolean,
  ) {
    this.adapter = new AdapterClass('Client');
  }

  async create(input: NewClient): Promise<{ client_id: string; client_secret?: string }> {
    if (!input.name.trim()) throw new ValidationError('--name must not be empty');
    if (input.redirectUris.length === 0) throw new ValidationError('at least one --redirect-uri is required');
    const clientId = randomBytes(16).toString('base64url');
    const secret = input.public ? undefined : randomBytes(32).toString('base64url');
    const metadata: ClientMetadata = {
      client_id: clientId,
      client_name: input.name.trim(),
      redirect_uris: input.redirectUris,
      post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
      client_id_issued_at: Math.floor(Date.now() / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    };
    try {
      checkClientPolicy(metadata as Record<string, unknown>, { production: this.production });
      await this.host.current.Client.validate(metadata);
    } catch (err) {
      const e = err as { error_description?: string; message?: string };
      throw new ValidationError(e.error_description ?? e.message ?? 'invalid client metadata');
    }
    await this.adapter.upsert(clientId, metadata as Record<string, unknown>, 0);
    return secret ? { client_id: clientId, client_secret: secret } : { client_id: clientId };
  }

  async list(): Promise<ClientSummary[]> {
    return (await this.records.list('Client', 1000)).map(({ id, payload }) => ({
      client_id: id,
      client_name: typeof payload.client_name === 'string' ? payload.client_name : null,
      redirect_uris: Array.isArray(payload.redirect_uris) ? (payload.redirect_uris as string[]) : [],
      token_endpoint_auth_method: String(payload.token_endpoint_auth_method ?? 'client_secret_basic'),
    }));
  }

  async delete(clientId: string): Promise<void> {
    if (!(await this.records.find('Client', clientId))) throw new NotFoundError(`no client ${clientId}`);
    await this.records.destroy('Client', clientId);
  }
}
