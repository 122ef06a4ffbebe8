import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { pino } from 'pino';
import { AuditLog } from '../../src/audit/audit-log.js';
import { ClientAdmin } from '../../src/clients/client-admin.js';
import { clientMetadataRules } from '../../src/clients/client-metadata.js';
import { ClientSecretHasher } from '../../src/clients/client-secret.js';
import { FieldError } from '../../src/errors.js';
import { initialAccessTokenPolicies } from '../../src/clients/initial-access-tokens.js';
import { createAdapterClass } from '../../src/oidc/adapter.js';
import { ProviderHost } from '../../src/oidc/provider-host.js';
import type { AuditEvent, Store } from '../../src/storage/store.js';
import { RefreshPolicy } from '../../src/tokens/refresh-policy.js';
import { sqliteStoreFactory } from '../support/stores.js';

// ClientAdmin records its own events, so every caller (the CLI, a future admin API) leaves the same trail.
describe('ClientAdmin and initial access tokens write their own audit events (embedded store)', () => {
  const NOW = Date.parse('2026-05-04T10:00:00Z');
  const clock = () => NOW;
  const REDIRECT = 'https://rp.example.com/cb';
  let store: Store;
  let clients: ClientAdmin;

  beforeEach(async () => {
    store = await sqliteStoreFactory(clock);
    const Adapter = createAdapterClass(
      store.oidc,
      new ClientSecretHasher(randomBytes(32)),
      new RefreshPolicy({ clock, leeway: 0 }),
    );
    // Keys of its own and no development interactions: the provider's quick-start warnings stay quiet.
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const provider = new Provider('http://localhost:3000', {
      adapter: Adapter,
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      extraClientMetadata: clientMetadataRules({ production: false }),
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        registration: { enabled: true, initialAccessToken: true, policies: initialAccessTokenPolicies(store.oidc) },
      },
    });
    const audit = new AuditLog(store.audit, pino({ level: 'silent' }), clock);
    clients = new ClientAdmin(new ProviderHost(provider), store.oidc, Adapter, false, [], audit, clock);
  });
  afterEach(async () => {
    await store.close();
  });

  const trail = async (): Promise<Array<Pick<AuditEvent, 'type' | 'clientId' | 'details' | 'at'>>> =>
    (await store.audit.list({ limit: 100 })).reverse().map(({ type, clientId, details, at }) => ({
      type,
      clientId,
      details,
      at,
    }));

  test('create, update, secret rotation and delete each leave one event, named as the CLI named them', async () => {
    const web = await clients.create({ name: 'Web', redirectUris: [REDIRECT], pkce: 'optional' });
    const api = await clients.create({ name: 'API', type: 'service', scope: 'read' }, { via: 'cli' });
    await clients.update(web.client_id, { name: 'Web 2', pkce: 'required' });
    await clients.rotateSecret(api.client_id);
    await clients.delete(api.client_id);

    expect(await trail()).toEqual([
      {
        type: 'client.registered',
        clientId: web.client_id,
        details: { via: 'cli', type: 'web', pkce: 'optional' },
        at: NOW,
      },
      { type: 'client.registered', clientId: api.client_id, details: { via: 'cli', type: 'service' }, at: NOW },
      {
        type: 'client.updated',
        clientId: web.client_id,
        details: { via: 'cli', fields: ['client_name', 'signet_pkce'], pkce: 'required' },
        at: NOW,
      },
      { type: 'client.updated', clientId: api.client_id, details: { via: 'cli', fields: ['client_secret'] }, at: NOW },
      { type: 'client.deleted', clientId: api.client_id, details: { via: 'cli' }, at: NOW },
    ]);
    // The injected clock, not the wall clock, dates the registration.
    expect((await clients.show(web.client_id)).client_id_issued_at).toBe(NOW / 1000);
  });

  test("requiring a second factor is the operator's, per client, shown and audited both ways", async () => {
    const web = await clients.create({ name: 'Vault', redirectUris: [REDIRECT], requireMfa: true });
    expect(await clients.show(web.client_id)).toMatchObject({ signet_require_mfa: true, require_mfa: true });
    await clients.update(web.client_id, { requireMfa: false });
    const shown = await clients.show(web.client_id);
    expect(shown.require_mfa).toBe(false);
    expect(shown).not.toHaveProperty('signet_require_mfa');
    expect((await trail()).map((e) => e.details)).toEqual([
      { via: 'cli', type: 'web', require_mfa: true },
      { via: 'cli', fields: ['signet_require_mfa'], require_mfa: false },
    ]);
    await expect(clients.create({ name: 'API', type: 'service', scope: 'read', requireMfa: true })).rejects.toThrow(
      /applies only to clients people sign in to/,
    );
  });

  test("requiring a passkey is the operator's too, per client, shown and audited both ways", async () => {
    const web = await clients.create({ name: 'Bank', redirectUris: [REDIRECT], requirePasskey: true });
    expect(await clients.show(web.client_id)).toMatchObject({
      signet_require_passkey: true,
      require_passkey: true,
      require_mfa: false,
    });
    await clients.update(web.client_id, { requirePasskey: false });
    const shown = await clients.show(web.client_id);
    expect(shown.require_passkey).toBe(false);
    expect(shown).not.toHaveProperty('signet_require_passkey');
    expect((await trail()).map((e) => e.details)).toEqual([
      { via: 'cli', type: 'web', require_passkey: true },
      { via: 'cli', fields: ['signet_require_passkey'], require_passkey: false },
    ]);
    await expect(clients.create({ name: 'API', type: 'service', scope: 'read', requirePasskey: true })).rejects.toThrow(
      /applies only to clients people sign in to/,
    );
  });

  test('a refused change records nothing', async () => {
    await expect(clients.create({ name: 'X', type: 'service', redirectUris: [REDIRECT] })).rejects.toThrow();
    await expect(clients.update('nope', { name: 'X' })).rejects.toThrow(/no client nope/);
    await expect(clients.rotateSecret('nope')).rejects.toThrow(/no client/);
    await expect(clients.delete('nope')).rejects.toThrow(/no client/);
    const pub = await clients.create({ name: 'Public', redirectUris: [REDIRECT], public: true });
    await expect(clients.rotateSecret(pub.client_id)).rejects.toThrow(/public/);
    expect((await trail()).map((e) => e.type)).toEqual(['client.registered']);
  });

  test('initial access tokens: issue and revoke are recorded with the id, never the token', async () => {
    const issued = await clients.initialAccessTokens.create({ maxUses: 2, expiresIn: 3600 });
    await clients.initialAccessTokens.revoke(issued.id);
    await expect(clients.initialAccessTokens.revoke(issued.id)).rejects.toThrow(/no initial access token/);

    const events = await trail();
    expect(events).toEqual([
      {
        type: 'initial_access_token.issued',
        clientId: null,
        details: { via: 'cli', id: issued.id, expires_at: issued.expires_at, max_uses: 2, pkce: 'required' },
        at: NOW,
      },
      { type: 'initial_access_token.revoked', clientId: null, details: { via: 'cli', id: issued.id }, at: NOW },
    ]);
    expect(JSON.stringify(events)).not.toContain(issued.initial_access_token);
  });

  test('refusals name the domain fields, and a caller can name them its own way', async () => {
    const refusal = await clients.create({ name: 'X', type: 'service', scope: '  ' }).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(FieldError);
    expect((refusal as FieldError).message).toBe('scope must name at least one scope');
    expect((refusal as FieldError).renamed((field) => `--${field}`).message).toBe(
      '--scope must name at least one scope',
    );
    const wrongType = await clients
      .create({ name: 'X', redirectUris: [REDIRECT], scope: 'read' })
      .catch((err: unknown) => err as FieldError);
    expect((wrongType as FieldError).renamed((field) => `<${field}>`).message).toBe(
      '<scope> applies only to <type> service or resource-server',
    );
    await expect(clients.initialAccessTokens.create({ expiresIn: 0 })).rejects.toThrow(
      /^expiresIn must be a whole number of seconds/,
    );
  });
});
