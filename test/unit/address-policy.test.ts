// Where Signet may connect for a client (jwks_uri, back-channel logout): every spelling of loopback and
// of private space is recognised as such, so none slips past the SSRF checks as "not an IP I know".

import { describe, expect, test } from '@jest/globals';
import {
  classifyAddress,
  classifyHost,
  LOOPBACK_HOSTS,
  mayConnect,
  type AddressKind,
} from '../../src/net/address-policy.js';
import { isAllowedHost } from '../../src/net/allowed-hosts.js';

describe('classifyAddress and classifyHost', () => {
  const cases: Array<[string, AddressKind, string]> = [
    // Loopback, plainly and in the spellings inet_aton, URL parsers and IPv6 accept.
    ['127.0.0.1', 'loopback', 'IPv4 loopback'],
    ['127.8.9.10', 'loopback', 'anywhere in 127/8'],
    ['2130706433', 'loopback', 'decimal IPv4'],
    ['0x7f.1', 'loopback', 'hex, two parts'],
    ['0x7f000001', 'loopback', 'hex, one part'],
    ['017700000001', 'loopback', 'octal'],
    ['0177.0.0.1', 'loopback', 'octal first part'],
    ['127.1', 'loopback', 'two parts'],
    ['::1', 'loopback', 'IPv6 loopback'],
    ['[::1]', 'loopback', 'bracketed, as in a URL'],
    ['::ffff:7f00:1', 'loopback', 'IPv4-mapped, hex'],
    ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped, dotted'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback', 'IPv4-mapped, written out'],
    ['::ffff:0:7f00:1', 'loopback', 'IPv4-translated (RFC 6145)'],
    ['[::ffff:7f00:1]', 'loopback', 'IPv4-mapped, bracketed'],
    ['::7f00:1', 'loopback', 'IPv4-compatible'],
    ['64:ff9b::7f00:1', 'loopback', 'NAT64 of loopback'],
    ['2002:7f00:1::', 'loopback', '6to4 of loopback'],
    ['2001:0:7f00:1::', 'loopback', 'Teredo with a loopback server'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', 'Teredo with a loopback client (obfuscated)'],
    ['localhost', 'loopback', 'the name'],
    ['localhost.', 'loopback', 'the name with the root label'],
    ['LOCALHOST', 'loopback', 'upper case'],
    ['app.localhost', 'loopback', 'a .localhost name (RFC 6761)'],
    ['app.localhost.', 'loopback', 'a .localhost name with the root label'],
    // Private and special-use: never a fetch target.
    ['10.0.0.1', 'private', 'RFC 1918'],
    ['172.16.0.1', 'private', 'RFC 1918'],
    ['192.168.1.1', 'private', 'RFC 1918'],
    ['[::ffff:a00:1]', 'private', 'IPv4-mapped RFC 1918'],
    ['::ffff:10.0.0.1', 'private', 'IPv4-mapped RFC 1918, dotted'],
    ['::ffff:169.254.169.254', 'private', 'IPv4-mapped cloud metadata'],
    ['169.254.169.254', 'private', 'link-local (cloud metadata)'],
    ['169.254.0.1', 'private', 'link-local, anywhere in 169.254/16'],
    ['fe80::a:b:c:d', 'private', 'IPv6 link-local, any interface id'],
    ['febf::1', 'private', 'IPv6 link-local, top of fe80::/10'],
    ['64:ff9b::a9fe:a9fe', 'private', 'NAT64 of link-local (cloud metadata)'],
    ['2002:a9fe:a9fe::1', 'private', '6to4 of link-local'],
    ['2002:c0a8:101::1', 'private', '6to4 of RFC 1918'],
    ['2001:0:a9fe:a9fe::1', 'private', 'Teredo with a link-local server'],
    ['::ffff:0:a00:1', 'private', 'IPv4-translated RFC 1918'],
    ['100.64.0.1', 'private', 'CGNAT'],
    ['0.0.0.0', 'private', 'unspecified'],
    ['0', 'private', 'unspecified, one part'],
    ['224.0.0.1', 'private', 'multicast'],
    ['255.255.255.255', 'private', 'broadcast'],
    ['240.0.0.1', 'private', 'reserved'],
    ['192.0.2.1', 'private', 'documentation'],
    ['198.18.0.1', 'private', 'benchmarking'],
    ['::', 'private', 'IPv6 unspecified'],
    ['fe80::1', 'private', 'IPv6 link-local'],
    ['fc00::1', 'private', 'unique local'],
    ['fd12:3456::1', 'private', 'unique local'],
    ['fec0::1', 'private', 'deprecated site-local'],
    ['ff02::1', 'private', 'IPv6 multicast'],
    ['64:ff9b::a00:1', 'private', 'NAT64 of private'],
    ['64:ff9b::808:808', 'private', 'NAT64 of public: a transition form, not plain unicast'],
    ['64:ff9b:1::1', 'private', 'local-use NAT64'],
    ['::808:808', 'private', 'IPv4-compatible of public'],
    ['2002:808:808::1', 'private', '6to4 of public'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'private', 'Teredo'],
    ['2001:db8::1', 'private', 'documentation'],
    ['100::1', 'private', 'discard-only'],
    ['5f00::1', 'private', 'segment routing'],
    ['4000::1', 'private', 'outside global unicast 2000::/3'],
    ['metadata', 'private', 'a single label (completed by search domains)'],
    ['printer.local', 'private', 'mDNS'],
    ['db.internal', 'private', '.internal'],
    ['nas.home.arpa', 'private', 'home.arpa (RFC 8375)'],
    // Public.
    ['93.184.215.14', 'public', 'public IPv4'],
    ['::ffff:93.184.215.14', 'public', 'IPv4-mapped public: the same address to the kernel'],
    ['2606:4700::1111', 'public', 'public IPv6'],
    ['rp.example.com', 'public', 'a name (its addresses are checked when connecting)'],
    ['rp.example.com.', 'public', 'a name with the root label'],
  ];

  test.each(cases)('%s is %s (%s)', (host, kind) => {
    expect(classifyHost(host)).toBe(kind);
  });

  test('classifyAddress answers only for IP literals', () => {
    expect(classifyAddress('::ffff:7f00:1')).toBe('loopback');
    expect(classifyAddress('0x7f.1')).toBe('loopback');
    expect(classifyAddress('localhost')).toBeUndefined();
    expect(classifyAddress('rp.example.com')).toBeUndefined();
  });

  test('spellings the URL parser canonicalises land on the same verdict', () => {
    for (const spelling of [
      '[::ffff:7f00:1]',
      '[::ffff:127.0.0.1]',
      '2130706433',
      '0x7f.1',
      '017700000001',
      '127.1',
      '[::7f00:1]',
      'localhost.',
    ]) {
      expect(classifyHost(new URL(`https://${spelling}:8443/`).hostname)).toBe('loopback');
    }
    expect(classifyHost(new URL('https://[::ffff:a00:1]/').hostname)).toBe('private');
  });

  test('LOOPBACK_HOSTS are loopback, spelled as the URL parser spells them', () => {
    expect([...LOOPBACK_HOSTS].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    for (const host of LOOPBACK_HOSTS) {
      expect(classifyHost(host)).toBe('loopback');
      expect(new URL(`http://${host}:3000/`).hostname).toBe(host);
    }
  });

  test('mayConnect: public always, loopback outside production only, private never', () => {
    expect(mayConnect('public', true)).toBe(true);
    expect(mayConnect('public', false)).toBe(true);
    expect(mayConnect('loopback', false)).toBe(true);
    expect(mayConnect('loopback', true)).toBe(false);
    expect(mayConnect('private', false)).toBe(false);
    expect(mayConnect('private', true)).toBe(false);
  });
});

describe('isAllowedHost (OUTBOUND_ALLOWED_HOSTS)', () => {
  const allowed = ['localhost:8443', 'keys.test', '[::1]:9000', '::ffff:7f00:2', '127.0.0.3'];
  const cases: Array<[string, boolean]> = [
    ['https://localhost:8443/jwks', true],
    ['https://LOCALHOST.:8443/jwks', true],
    ['https://localhost:8444/jwks', false],
    ['https://localhost/jwks', false],
    ['https://keys.test/jwks', true],
    ['https://keys.test:1234/jwks', true],
    ['https://sub.keys.test/jwks', false],
    ['https://[::1]:9000/x', true],
    ['https://[::1]:9001/x', false],
    ['https://[::ffff:127.0.0.2]/x', true],
    ['https://127.0.0.2/x', false],
    ['https://2130706435/x', true],
    ['https://rp.example.com/x', false],
  ];
  test.each(cases)('%s: %s', (url, expected) => {
    expect(isAllowedHost(new URL(url), allowed)).toBe(expected);
  });

  test('an entry with a port matches the scheme default too', () => {
    expect(isAllowedHost(new URL('https://keys.example/'), ['keys.example:443'])).toBe(true);
    expect(isAllowedHost(new URL('http://keys.example/'), ['keys.example:443'])).toBe(false);
  });

  test('nothing is allowed by default', () => {
    expect(isAllowedHost(new URL('https://localhost/'), [])).toBe(false);
  });
});
