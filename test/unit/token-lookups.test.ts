// One request's lookups of a presented value, through the adapter on a real SQLite store: a value found
// as one bearer model is not read again as another in the same request, a miss still reads them all, and
// no request sees another's lookups (a token revoked between two requests is gone for the second).

import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { AdapterPayload } from 'oidc-provider';
import { ClientSecretHasher } from '../../src/clients/client-secret.js';
import { createAdapterClass } from '../../src/oidc/adapter.js';
import type { OidcRecordStore, Store } from '../../src/storage/store.js';
import { RefreshPolicy } from '../../src/tokens/refresh-policy.js';
import { RequestTokenLookups } from '../../src/tokens/token-lookups.js';
import { sqliteStoreFactory } from '../support/stores.js';

let store: Store;
let reads: string[];
let request: object | undefined;

/** The store's OIDC records, with every find noted by model. */
function countedRecords(records: OidcRecordStore): OidcRecordStore {
  return new Proxy(records, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop !== 'find' || typeof value !== 'function') return value;
      return (model: string, id: string) => {
        reads.push(model);
        return records.find(model as Parameters<OidcRecordStore['find']>[0], id);
      };
    },
  });
}

function adapters() {
  const Adapter = createAdapterClass(
    countedRecords(store.oidc),
    new ClientSecretHasher(randomBytes(32)),
    new RefreshPolicy({ clock: Date.now, leeway: 0 }),
    { lookups: new RequestTokenLookups(() => request) },
  );
  return {
    access: new Adapter('AccessToken'),
    credentials: new Adapter('ClientCredentials'),
    refresh: new Adapter('RefreshToken'),
  };
}

/** What oidc-provider does without a token_type_hint: all three at once, the first found wins. */
async function findToken(a: ReturnType<typeof adapters>, value: string): Promise<AdapterPayload | undefined> {
  const found = await Promise.all([a.access.find(value), a.credentials.find(value), a.refresh.find(value)]);
  return found.find(Boolean);
}

beforeEach(async () => {
  store = await sqliteStoreFactory();
  reads = [];
  request = undefined;
});

afterEach(async () => {
  await store.close();
});

describe('within one request', () => {
  test('a value found as an access token is not read again as the other models', async () => {
    const a = adapters();
    await a.access.upsert('at-1', { kind: 'AccessToken', clientId: 'c' }, 60);
    request = {};
    expect(await findToken(a, 'at-1')).toMatchObject({ kind: 'AccessToken', jti: 'at-1' });
    expect(reads).toEqual(['AccessToken']);
  });

  test('a refresh token is read after the two misses before it, and found', async () => {
    const a = adapters();
    await a.refresh.upsert('rt-1', { kind: 'RefreshToken', clientId: 'c' }, 60);
    request = {};
    expect(await findToken(a, 'rt-1')).toMatchObject({ kind: 'RefreshToken', jti: 'rt-1' });
    expect(reads).toEqual(['AccessToken', 'ClientCredentials', 'RefreshToken']);
  });

  test('a client-credentials token spares only the lookup after it', async () => {
    const a = adapters();
    await a.credentials.upsert('cc-1', { kind: 'ClientCredentials', clientId: 'c' }, 60);
    request = {};
    expect(await findToken(a, 'cc-1')).toMatchObject({ kind: 'ClientCredentials' });
    expect(reads).toEqual(['AccessToken', 'ClientCredentials']);
  });

  test('an unknown value is read as every model, and found as none', async () => {
    const a = adapters();
    request = {};
    expect(await findToken(a, 'nothing')).toBeUndefined();
    expect(reads.sort()).toEqual(['AccessToken', 'ClientCredentials', 'RefreshToken']);
  });

  test('the same model asked twice is read twice: nothing is remembered, only other models spared', async () => {
    const a = adapters();
    await a.access.upsert('at-2', { kind: 'AccessToken', clientId: 'c' }, 60);
    request = {};
    await a.access.find('at-2');
    await a.access.destroy('at-2');
    expect(await a.access.find('at-2')).toBeUndefined();
    expect(reads).toEqual(['AccessToken', 'AccessToken']);
  });
});

test('outside a request every lookup reads', async () => {
  const a = adapters();
  await a.access.upsert('at-3', { kind: 'AccessToken', clientId: 'c' }, 60);
  expect(await findToken(a, 'at-3')).toMatchObject({ kind: 'AccessToken' });
  expect(reads.sort()).toEqual(['AccessToken', 'ClientCredentials', 'RefreshToken']);
});

test('a later request reads again: a token revoked in between is gone for it', async () => {
  const a = adapters();
  await a.access.upsert('at-4', { kind: 'AccessToken', clientId: 'c' }, 60);
  request = {};
  expect(await findToken(a, 'at-4')).toBeDefined();
  await a.access.destroy('at-4');
  request = {};
  expect(await findToken(a, 'at-4')).toBeUndefined();
  expect(reads).toHaveLength(4);
});
