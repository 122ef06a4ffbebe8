import { bareHost, parseAddress } from './address-policy.js';

/** A host compared by meaning: IP literals in their canonical form, names bare and lowercase. */
function canonical(host: string): string {
  return parseAddress(host)?.toString() ?? bareHost(host);
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'http:' ? '80' : '443');
}

/**
 * Whether the operator named this URL's host (OUTBOUND_ALLOWED_HOSTS: `host` or `host:port`, an IPv6
 * literal in brackets when it has a port) as one Signet may fetch from whatever it resolves to.
 */
export function isAllowedHost(url: URL, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return false;
  const host = canonical(url.hostname);
  const port = defaultPort(url);
  return allowed.some((entry) => {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const named = /^([^:[\]]+)(?::(\d+))?$/.exec(entry);
    // An IPv6 literal without brackets (two colons or more) has no port.
    const [entryHost, entryPort] = bracketed
      ? [bracketed[1], bracketed[2]]
      : named
        ? [named[1], named[2]]
        : [entry, undefined];
    return canonical(entryHost ?? '') === host && (entryPort === undefined || entryPort === port);
  });
}
