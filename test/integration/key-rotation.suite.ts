// Keys: rotation with overlap (publish first, sign later, retire last) and re-wrapping under
// a new key-encryption secret, across a provider rebuild, with an injected clock.

import { expect, test } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { BrowserSession } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';
const SECRET_A = 'a'.repeat(40);
const SECRET_B = 'b'.repeat(40);

async function jwks(server: TestServer): Promise<JSONWebKeySet> {
  return (await (await fetch(`${server.issuer}/jwks`)).json()) as JSONWebKeySet;
}

const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid);

export function keyRotationSuite(store: StoreKind): void {
  test('rotation: the next key is published first, signs after the delay, the old one stays until its tokens expired', async () => {
    const clock = manualClock(Date.now());
    const env = { KEY_ACTIVATION_DELAY: '120', KEY_REFRESH_INTERVAL: '60', KEY_ENCRYPTION_SECRET: SECRET_A };
    const server = await startTestServer({ store, env, overrides: { clock: clock.now } });
    try {
      await server.signet.accounts.create({ email: 'keys@example.com', password: PASSWORD });
      const c = await server.signet.clients.create({ name: 'Keyed', redirectUris: [REDIRECT_URI] });
      const rp: RelyingParty = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
      const browser = new BrowserSession(server.issuer);
      const signIn = async () => {
        const start = await startAuthorization(rp, 'openid');
        return exchange(rp, start, await authorize(browser, start, 'keys@example.com', PASSWORD));
      };

      const before = await signIn();
      const oldKid = decodeProtectedHeader(before.id_token ?? '').kid;
      const [rotatedRs] = (await server.signet.keyAdmin.rotate('signing')).filter((k) => k.alg === 'RS256');
      await server.signet.refreshKeys();
      // Published at once, not yet used.
      expect(kids(await jwks(server))).toEqual(expect.arrayContaining([oldKid, rotatedRs?.kid]));
      expect(decodeProtectedHeader((await signIn()).id_token ?? '').kid).toBe(oldKid);
      const pendingLogin = await startAuthorization(rp, 'openid');

      clock.advance(121_000);
      await server.signet.refreshKeys();
      const after = await signIn();
      expect(decodeProtectedHeader(after.id_token ?? '').kid).toBe(rotatedRs?.kid);
      // A flow started before the switch finishes after it (state is in the store, not the provider).
      await exchange(rp, pendingLogin, await authorize(browser, pendingLogin, 'keys@example.com', PASSWORD));
      // Tokens signed before the rotation still verify against the published set.
      const set = createLocalJWKSet(await jwks(server));
      await jwtVerify(before.id_token ?? '', set, {
        issuer: server.issuer,
        audience: c.client_id,
        currentDate: new Date(),
      });
      expect((await server.signet.keyAdmin.list()).find((k) => k.kid === oldKid)?.state).toBe('retiring');

      clock.advance((600 + 300 + 1) * 1000); // id_token lifetime + skew
      await server.signet.refreshKeys();
      expect(kids(await jwks(server))).not.toContain(oldKid);
      expect((await server.signet.keyAdmin.list()).find((k) => k.kid === oldKid)?.state).toBe('retired');
      expect((await server.signet.audit.list({ types: ['keys.rotated'], limit: 5 })).length).toBe(1);
    } finally {
      await server.destroy();
    }
  });

  test('a key still waiting when another rotation makes a newer one current at once retires then: it never signs', async () => {
    const clock = manualClock(Date.now());
    const env = { KEY_ACTIVATION_DELAY: '120', KEY_REFRESH_INTERVAL: '60', KEY_ENCRYPTION_SECRET: SECRET_A };
    const server = await startTestServer({ store, env, overrides: { clock: clock.now } });
    try {
      const [waiting] = (await server.signet.keyAdmin.rotate('signing')).filter((k) => k.alg === 'RS256');
      const [immediate] = (await server.signet.keyAdmin.rotate('signing', { now: true })).filter(
        (k) => k.alg === 'RS256',
      );
      const listed = await server.signet.keyAdmin.list();
      expect(listed.find((k) => k.kid === immediate?.kid)?.state).toBe('current');
      const superseded = listed.find((k) => k.kid === waiting?.kid);
      expect(superseded?.state).toBe('retired');
      // Even after its own activation time it stays retired.
      clock.advance(180_000);
      expect((await server.signet.keyAdmin.list()).find((k) => k.kid === waiting?.kid)?.state).toBe('retired');
    } finally {
      await server.destroy();
    }
  });

  test('cookie keys rotate the same way: sessions signed with the old key stay valid', async () => {
    const clock = manualClock(Date.now());
    const env = { KEY_ACTIVATION_DELAY: '120', KEY_REFRESH_INTERVAL: '60' };
    const server = await startTestServer({ store, env, overrides: { clock: clock.now } });
    try {
      await server.signet.accounts.create({ email: 'cookie@example.com', password: PASSWORD });
      const c = await server.signet.clients.create({ name: 'Cookie', redirectUris: [REDIRECT_URI] });
      const rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
      const browser = new BrowserSession(server.issuer);
      const first = await startAuthorization(rp, 'openid');
      await exchange(rp, first, await authorize(browser, first, 'cookie@example.com', PASSWORD));
      await server.signet.keyAdmin.rotate('cookie');
      clock.advance(121_000);
      await server.signet.refreshKeys();
      // Still signed in: straight back to the client, no login page.
      const url = new URL((await startAuthorization(rp, 'openid')).url);
      url.searchParams.delete('prompt');
      const again = await browser.follow(url.toString());
      expect(again.status).toBe(303);
      expect(again.location).toContain(`${REDIRECT_URI}?code=`);
    } finally {
      await server.destroy();
    }
  });

  test('keys rewrap moves every key under a new secret without changing them', async () => {
    const first = await startTestServer({ store, env: { KEY_ENCRYPTION_SECRET: SECRET_A } });
    const published = await jwks(first);
    await first.stop();
    // Nodes first learn the new secret while keeping the old one; then the keys are re-wrapped.
    const both = await startTestServer({
      store,
      dataDir: first.dataDir,
      mongoDb: first.mongoDb,
      port: first.port,
      env: { KEY_ENCRYPTION_SECRET: SECRET_B, KEY_ENCRYPTION_SECRET_PREVIOUS: SECRET_A },
    });
    expect(await both.signet.keyAdmin.rewrap()).toBeGreaterThanOrEqual(4);
    expect(await both.signet.keyAdmin.rewrap()).toBe(0);
    await both.stop();
    const onlyNew = await startTestServer({
      store,
      dataDir: first.dataDir,
      mongoDb: first.mongoDb,
      port: first.port,
      env: { KEY_ENCRYPTION_SECRET: SECRET_B },
    });
    try {
      expect(await jwks(onlyNew)).toEqual(published);
    } finally {
      await onlyNew.stop();
    }
    // The old secret alone no longer opens anything: the re-wrap really happened.
    await expect(
      startTestServer({
        store,
        dataDir: first.dataDir,
        mongoDb: first.mongoDb,
        port: first.port,
        env: { KEY_ENCRYPTION_SECRET: SECRET_A },
      }),
    ).rejects.toThrow(/key-encryption secret/);
    await onlyNew.destroy();
  });
}
