import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { pino } from 'pino';
import { AuditLog } from '../../src/audit/audit-log.js';
import { ClientAdmin } from '../../src/clients/client-admin.js';
import { clientMetadataRules } from '../../src/clients/client-metadata.js';
import { ClientSecretHasher } from '../../src/clients/client-secret.js';
import { FieldError } from '../../src/errors.js';
import { createAdapterClass } from '../../src/oidc/adapter.js';
import { signInAcr, withheldScopes } from '../../src/oidc/api-mfa-scopes.js';
import { ProviderHost } from '../../src/oidc/provider-host.js';
import type { Store } from '../../src/storage/store.js';
import { RefreshPolicy } from '../../src/tokens/refresh-policy.js';
import { sqliteStoreFactory } from '../support/stores.js';

// An API's second-factor scopes as the operator sets them (ClientAdmin, the provider's own validator)
// and as issuance reads the sign-in behind a request.

const API = 'https://api.example';

describe("an API's second-factor scopes: the operator's setting", () => {
  const clock = () => Date.parse('2026-05-04T10:00:00Z');
  let store: Store;
  let provider: Provider;
  let clients: ClientAdmin;

  beforeEach(async () => {
    store = await sqliteStoreFactory(clock);
    const Adapter = createAdapterClass(
      store.oidc,
      new ClientSecretHasher(randomBytes(32)),
      new RefreshPolicy({ clock, leeway: 0 }),
    );
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    provider = new Provider('http://localhost:3000', {
      adapter: Adapter,
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' }] },
      extraClientMetadata: clientMetadataRules({ production: false }),
      features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
    });
    const audit = new AuditLog(store.audit, pino({ level: 'silent' }), clock);
    clients = new ClientAdmin(new ProviderHost(provider), store.oidc, Adapter, false, [], audit, clock);
  });
  afterEach(async () => {
    await store.close();
  });

  const api = (mfaScopes: string, scope = 'read write admin') =>
    clients.create({ name: 'API', type: 'resource-server', resource: API, scope, mfaScopes });

  test('stored once per scope, shown, and audited on create and update', async () => {
    await api('  write admin write ');
    expect(await clients.show(API)).toMatchObject({ signet_mfa_scopes: 'write admin', mfa_scopes: 'write admin' });
    expect(await clients.update(API, { mfaScopes: 'admin' })).toEqual({
      client_id: API,
      updated: ['signet_mfa_scopes'],
    });
    await clients.update(API, { mfaScopes: '' });
    expect(await clients.show(API)).not.toHaveProperty('signet_mfa_scopes');
    const trail = (await store.audit.list({ limit: 10 })).reverse().map((e) => e.details.mfa_scopes);
    expect(trail).toEqual(['write admin', 'admin', '']);
  });

  test('refused, naming the field, for a scope the API does not offer or on another kind of client', async () => {
    await expect(api('delete')).rejects.toThrow(/mfaScopes names scopes the API does not offer.*delete/);
    await expect(
      clients.create({ name: 'Web', redirectUris: ['https://rp.example/cb'], mfaScopes: 'read' }),
    ).rejects.toThrow(FieldError);
    await expect(clients.create({ name: 'Batch', type: 'service', scope: 'read', mfaScopes: 'read' })).rejects.toThrow(
      /mfaScopes applies only to resource-server clients/,
    );
    expect(await store.audit.list({ limit: 10 })).toEqual([]);
  });

  test('a new scope list that leaves out a second-factor scope is refused until the rule changes with it', async () => {
    await api('admin');
    await expect(clients.update(API, { scope: 'read write' })).rejects.toThrow(/leaves out .*admin.*mfaScopes/);
    expect(await clients.update(API, { scope: 'read write', mfaScopes: 'write' })).toMatchObject({
      updated: ['signet_resource_scope', 'signet_mfa_scopes'],
    });
  });

  test("the provider's own validator refuses what the operator could not set", async () => {
    const rs = {
      client_id: 'x',
      client_secret: 's'.repeat(32),
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      signet_resource_scope: 'read',
    };
    await expect(provider.Client.validate({ ...rs, signet_mfa_scopes: 'read' })).resolves.toBeUndefined();
    await expect(provider.Client.validate({ ...rs, signet_mfa_scopes: 'write' })).rejects.toMatchObject({
      error_description: expect.stringMatching(/signet_mfa_scopes names scopes the API does not offer: write/),
    });
    await expect(
      provider.Client.validate({
        client_id: 'w',
        client_secret: 's'.repeat(32),
        redirect_uris: [API],
        signet_mfa_scopes: 'read',
      }),
    ).rejects.toMatchObject({ error_description: 'signet_mfa_scopes applies only to a resource server' });
  });
});

describe('the sign-in behind a token request', () => {
  const ctx = (oidc: Record<string, unknown>) =>
    ({ oidc: { params: {}, entities: {}, ...oidc } }) as unknown as KoaContextWithOIDC;
  const mfa = 'urn:signet:acr:mfa';

  test('from the code, the refresh token, or the session, and none for a machine', () => {
    expect(signInAcr(ctx({ entities: { AuthorizationCode: { acr: mfa } }, session: { acr: 'x' } }))).toBe(mfa);
    expect(signInAcr(ctx({ entities: { RefreshToken: { acr: mfa } } }))).toBe(mfa);
    expect(signInAcr(ctx({ session: { acr: mfa } }))).toBe(mfa);
    expect(signInAcr(ctx({ params: { grant_type: 'client_credentials' }, session: { acr: mfa } }))).toBeUndefined();
  });

  test('withholds the second-factor scopes unless the sign-in meets multi-factor', () => {
    const rs = { signet_mfa_scopes: 'write admin' };
    expect([...withheldScopes(ctx({ session: { acr: 'urn:signet:acr:pwd' } }), rs)]).toEqual(['write', 'admin']);
    expect([...withheldScopes(ctx({}), rs)]).toEqual(['write', 'admin']);
    expect([...withheldScopes(ctx({ session: { acr: mfa } }), rs)]).toEqual([]);
    expect([...withheldScopes(ctx({ session: { acr: 'urn:signet:acr:phr' } }), rs)]).toEqual([]);
  });
});
