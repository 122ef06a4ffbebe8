import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { AppError } from '../errors.js';
import { isAllowedHost } from './allowed-hosts.js';
import { classifyAddress, classifyHost, mayConnect } from './address-policy.js';

/** Resolves a name to every address it has (dns.lookup with `all`); replaceable in tests. */
export type Resolve = (hostname: string, family: number) => Promise<LookupAddress[]>;

export interface OutboundPolicy {
  production: boolean;
  /** OUTBOUND_ALLOWED_HOSTS: `host` or `host:port` entries fetched whatever they resolve to. */
  outboundAllowedHosts?: readonly string[];
  resolve?: Resolve;
}

const systemResolve: Resolve = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

function refused(message: string): AppError {
  return new AppError('outbound_refused', message, 400);
}

/**
 * The socket's own lookup: the addresses checked are the addresses connected to, so a name cannot
 * resolve to a public address for the check and to 127.0.0.1 for the connection (DNS rebinding).
 * Every address must pass, not just one: the socket may try any of them.
 */
function pinnedLookup(resolve: Resolve, production: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0)).then(
      (addresses) => {
        const bad = addresses.find(({ address }) => !mayConnect(classifyAddress(address) ?? 'private', production));
        if (addresses.length === 0 || bad) {
          callback(
            refused(
              `refusing to connect to ${hostname}: it resolves to ${bad ? `${bad.address}, ` : 'nothing '}not a public address`,
            ),
            '',
          );
          return;
        }
        const [first] = addresses as [LookupAddress];
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, ''),
    );
  };
}

/**
 * oidc-provider's outbound fetch: a client's jwks_uri, sector_identifier_uri and back-channel logout
 * (the only URLs Signet requests itself). Registration refuses private hosts by name; this refuses
 * them by the address actually connected to, so a client cannot turn Signet into a proxy into its own
 * network (SSRF). oidc-provider hands in a dispatcher of its own that checks the peer only after the
 * connection (and TLS handshake) is made and refuses loopback even in development; ours replaces it.
 */
export function guardedFetch(policy: OutboundPolicy) {
  const { production, outboundAllowedHosts = [], resolve = systemResolve } = policy;
  // undici is loaded at the first fetch (most starts and every CLI call make none), and its agents built
  // then, once per provider configuration; idle keep-alive sockets do not hold the process open.
  let client: Promise<{ fetch: typeof import('undici').fetch; guarded: Agent; open: Agent }> | undefined;
  const undici = () =>
    (client ??= import('undici').then(({ Agent, fetch }) => ({
      fetch,
      guarded: new Agent({ connect: { lookup: pinnedLookup(resolve, production) } }),
      open: new Agent(),
    })));
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const allowed = isAllowedHost(url, outboundAllowedHosts);
    const kind = classifyHost(url.hostname);
    // http only outside production and only to this machine or a host the operator named.
    const plainHttpOk = !production && (kind === 'loopback' || allowed);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainHttpOk)) {
      throw refused(`refusing to fetch ${url.protocol} URLs${production ? '' : ' other than loopback http'}`);
    }
    // IP literals never reach the socket's lookup: they are judged here, names again by address.
    if (!allowed && !mayConnect(kind, production)) {
      throw refused(`refusing to fetch ${url.hostname}: a loopback or private address`);
    }
    const { fetch, guarded, open } = await undici();
    // Given last, our dispatcher replaces the one oidc-provider hands in.
    return fetch(url, {
      ...(init as Parameters<typeof fetch>[1]),
      redirect: 'error',
      dispatcher: allowed ? open : guarded,
    });
  };
}
