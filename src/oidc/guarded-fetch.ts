import { lookup } from 'node:dns/promises';
import { isPrivateAddress } from './client-policy.js';

/**
 * oidc-provider's outbound fetch (a client's jwks_uri, sector_identifier_uri, back-channel logout). Registration already
 * refuses private hosts by name; this refuses them by address too, so a public name that resolves to
 * 10.0.0.1 or 127.0.0.1 cannot turn Signet into a proxy into its own network (SSRF).
 */
export function guardedFetch(options: { production: boolean }) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    // Outside production, loopback is a developer's own machine (CONTRACT.md): http and 127.0.0.1 are fine.
    if (!options.production && LOOPBACK.has(url.hostname)) {
      // oidc-provider passes its own SSRF-guarding dispatcher, which refuses loopback: not here.
      const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return fetch(url, { ...rest, redirect: 'error' });
    }
    if (url.protocol !== 'https:') throw new Error(`refusing to fetch ${url.protocol} URLs`);
    const addresses = await lookup(url.hostname.replace(/^\[|\]$/g, ''), { all: true });
    if (addresses.length === 0 || addresses.some(({ address }) => isPrivateAddress(address))) {
      throw new Error(`refusing to fetch ${url.hostname}: it resolves to a private or loopback address`);
    }
    return fetch(url, { ...init, redirect: 'error' });
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
