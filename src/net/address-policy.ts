import ipaddr from 'ipaddr.js';

/**
 * Where a host or address leads, for deciding whether Signet may open a connection to it itself:
 * `public` is global unicast, `loopback` is this machine (in any spelling), `private` is everything
 * else (RFC 1918, CGNAT, link-local, unique-local, multicast, broadcast, reserved, transition forms).
 */
export type AddressKind = 'public' | 'loopback' | 'private';

/**
 * This machine's names as `URL.hostname` spells them, for the rules that allow plain http to loopback
 * only (the issuer in development, native clients' redirect URIs). Other spellings of loopback are
 * recognised by classifyHost; these are the ones such rules accept as written.
 */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Host as a URL or resolver gives it: without brackets or the root label's trailing dot, lowercase. */
export function bareHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
}

/** An IP literal in any spelling inet_aton or the URL parser accepts (2130706433, 0x7f.1, 127.1), or undefined. */
export function parseAddress(host: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = bareHost(host);
  return ipaddr.isValid(bare) ? ipaddr.parse(bare) : undefined;
}

function classifyIPv4(address: ipaddr.IPv4): AddressKind {
  const range = address.range();
  if (range === 'loopback') return 'loopback';
  return range === 'unicast' ? 'public' : 'private';
}

/**
 * The IPv4 addresses an IPv6 address carries inside it: IPv4-mapped and -translated (RFC 4291, 6145),
 * IPv4-compatible (deprecated, RFC 4291 2.5.5.1), NAT64 (RFC 6052), 6to4 (RFC 3056) and Teredo
 * (RFC 4380: server, and the client's obfuscated address).
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const p = address.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const at = (i: number) => p[i] ?? 0;
  const range = address.range();
  const compatible = at(0) === 0 && at(1) === 0 && at(2) === 0 && at(3) === 0 && at(4) === 0 && at(5) === 0;
  if (range === 'ipv4Mapped' || range === 'rfc6145' || compatible) return [v4(at(6), at(7))];
  if (address.match(ipaddr.IPv6.parse('64:ff9b::'), 96)) return [v4(at(6), at(7))];
  if (range === '6to4') return [v4(at(1), at(2))];
  if (address.match(ipaddr.IPv6.parse('2001::'), 32)) return [v4(at(2), at(3)), v4(~at(6) & 0xffff, ~at(7) & 0xffff)];
  return [];
}

function classifyIPv6(address: ipaddr.IPv6): AddressKind {
  if (address.range() === 'loopback') return 'loopback';
  const inner = embeddedIPv4(address);
  if (inner.length > 0) {
    // Another spelling of an IPv4 address: loopback stays loopback (so development treats it like
    // 127.0.0.1), the rest is refused, public or not: only plain unicast is a fetch target.
    if (address.range() === 'ipv4Mapped' && inner[0]) return classifyIPv4(inner[0]);
    return inner.some((a) => classifyIPv4(a) === 'loopback') ? 'loopback' : 'private';
  }
  // Global unicast is 2000::/3 (RFC 4291 2.4); everything outside it is special-use or unassigned.
  const globalUnicast = (address.parts[0] ?? 0) >= 0x2000 && (address.parts[0] ?? 0) <= 0x3fff;
  return globalUnicast && address.range() === 'unicast' ? 'public' : 'private';
}

/** What an IP literal is; undefined when `address` is not one (a name). */
export function classifyAddress(address: string): AddressKind | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  return parsed.kind() === 'ipv4' ? classifyIPv4(parsed as ipaddr.IPv4) : classifyIPv6(parsed as ipaddr.IPv6);
}

/** Names that only resolve inside a site: RFC 6762 (.local), RFC 8375 (home.arpa), ICANN's .internal. */
const PRIVATE_SUFFIXES = ['.local', '.internal', '.home.arpa', '.localdomain', '.lan', '.intranet'];

/**
 * What a URL's host is, by its spelling alone. A name that is not obviously local counts as public
 * here; what it resolves to is checked when connecting (guarded-fetch.ts). Single-label names are
 * private: resolvers complete them with the machine's search domains, i.e. its own network.
 */
export function classifyHost(host: string): AddressKind {
  const literal = classifyAddress(host);
  if (literal) return literal;
  const name = bareHost(host);
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback'; // RFC 6761 6.3
  if (!name.includes('.') || PRIVATE_SUFFIXES.some((s) => name.endsWith(s) || name === s.slice(1))) return 'private';
  return 'public';
}

/** Public always; loopback only outside production (developers' machines, CONTRACT.md); private never. */
export function mayConnect(kind: AddressKind, production: boolean): boolean {
  return kind === 'public' || (kind === 'loopback' && !production);
}
