// The connect-time half of the SSRF guard, against a real listener on loopback: a refused URL never
// opens a connection (counted by the listener itself), whatever spelling or DNS answer leads there.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { guardedFetch, type Resolve } from '../../src/net/guarded-fetch.js';

let listener: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  listener = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'));
  listener.on('connection', () => connections++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  listener.closeAllConnections();
  await new Promise((resolve) => listener.close(resolve));
});
beforeEach(() => {
  connections = 0;
});

/** A resolver that answers every name with these addresses (the DNS a rebinding attacker controls). */
const answering =
  (...addresses: string[]): Resolve =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

/** Refused by the guard itself (before the request, or in the socket's lookup), and never connected. */
const refusedWithoutContact = async (fetcher: ReturnType<typeof guardedFetch>, url: string) => {
  const err = (await fetcher(url).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; cause?: { code?: string } } | undefined;
  expect(err?.code ?? err?.cause?.code).toBe('outbound_refused');
  expect(connections).toBe(0);
};

describe('production', () => {
  const fetcher = guardedFetch({ production: true });

  test.each([
    '[::ffff:7f00:1]',
    '[::ffff:127.0.0.1]',
    '127.0.0.1',
    '2130706433',
    '0x7f.1',
    '127.1',
    'localhost',
    'localhost.',
  ])('https://%s is refused before any connection', async (host) => {
    await refusedWithoutContact(fetcher, `https://${host}:${port}/jwks`);
  });

  test('http is refused, even to loopback', async () => {
    await refusedWithoutContact(fetcher, `http://127.0.0.1:${port}/jwks`);
  });

  test('a public-looking name that resolves to loopback is refused by the address connected to (DNS rebinding)', async () => {
    const rebinding = guardedFetch({ production: true, resolve: answering('127.0.0.1') });
    await refusedWithoutContact(rebinding, `https://keys.rp.example:${port}/jwks`);
    const mapped = guardedFetch({ production: true, resolve: answering('::ffff:127.0.0.1') });
    await refusedWithoutContact(mapped, `https://keys.rp.example:${port}/jwks`);
  });

  test('one bad address among good ones refuses the whole answer (the socket may try any of them)', async () => {
    const mixed = guardedFetch({ production: true, resolve: answering('203.0.113.1', '127.0.0.1') });
    await refusedWithoutContact(mixed, `https://keys.rp.example:${port}/jwks`);
  });

  test('OUTBOUND_ALLOWED_HOSTS lets a named loopback host through, on its port only', async () => {
    const allowed = guardedFetch({ production: true, outboundAllowedHosts: [`localhost:${port}`] });
    // https to a plain-http listener: the TLS handshake fails, but only after the connection was made.
    await expect(allowed(`https://localhost:${port}/jwks`)).rejects.toThrow();
    expect(connections).toBeGreaterThan(0);
    connections = 0;
    await refusedWithoutContact(allowed, `https://127.0.0.1:${port}/jwks`);
    await refusedWithoutContact(allowed, `https://[::ffff:7f00:1]:${port}/jwks`);
    const otherPort = guardedFetch({ production: true, outboundAllowedHosts: [`localhost:${port + 1}`] });
    await refusedWithoutContact(otherPort, `https://localhost:${port}/jwks`);
  });
});

describe('development', () => {
  const fetcher = guardedFetch({ production: false });

  test.each(['127.0.0.1', '[::ffff:7f00:1]', '[::ffff:127.0.0.1]', 'localhost'])(
    "http://%s is a developer's own machine: fetched",
    async (host) => {
      const res = await fetcher(`http://${host}:${port}/jwks`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ keys: [] });
      expect(connections).toBe(1);
    },
  );

  test("the connection goes to the address that was checked (the resolver's answer is pinned)", async () => {
    const pinned = guardedFetch({ production: false, resolve: answering('127.0.0.1') });
    // https to a name: the guard resolves it through `resolve`, and the socket connects to that answer.
    await expect(pinned(`https://keys.rp.example:${port}/jwks`)).rejects.toThrow();
    expect(connections).toBe(1);
  });

  test('private addresses stay refused, loopback or not', async () => {
    const rebinding = guardedFetch({ production: false, resolve: answering('10.0.0.1') });
    await refusedWithoutContact(rebinding, `https://keys.rp.example:${port}/jwks`);
    const mapped = guardedFetch({ production: false, resolve: answering('::ffff:a00:1') });
    await refusedWithoutContact(mapped, `https://keys.rp.example:${port}/jwks`);
  });

  test('http to anything but loopback is refused', async () => {
    const rebinding = guardedFetch({ production: false, resolve: answering('127.0.0.1') });
    await refusedWithoutContact(rebinding, `http://keys.rp.example:${port}/jwks`);
  });

  test('redirects are not followed', async () => {
    const redirecting = createServer((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${port}/jwks` }).end(),
    );
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      await expect(fetcher(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`)).rejects.toThrow();
      expect(connections).toBe(0);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });
});
