// Signet's registration policy (checkClientPolicy): SSRF rules for the URLs Signet fetches itself, plain
// https rules for those only a browser loads, and limits on what one registration may store.

import { describe, expect, test } from '@jest/globals';
import {
  checkClientPolicy,
  ClientPolicyError,
  LIMITS,
  type ClientPolicyOptions,
} from '../../src/clients/client-policy.js';

const OK = 'https://rp.example.com/cb';
const PRODUCTION: ClientPolicyOptions = { production: true };
const DEVELOPMENT: ClientPolicyOptions = { production: false };

/** The refusal's error code and description, or 'accepted'. */
function verdict(metadata: Record<string, unknown>, options: ClientPolicyOptions = PRODUCTION): string {
  try {
    checkClientPolicy({ redirect_uris: [OK], ...metadata }, options);
    return 'accepted';
  } catch (err) {
    if (!(err instanceof ClientPolicyError)) throw err;
    return `${err.code}: ${err.message}`;
  }
}

describe('server-fetched URLs (jwks_uri, sector_identifier_uri, backchannel_logout_uri)', () => {
  const loopbackSpellings = [
    'https://[::ffff:7f00:1]:8443/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[::7f00:1]/x',
    'https://[64:ff9b::7f00:1]/x',
    'https://[2002:7f00:1::]/x',
    'https://2130706433/x',
    'https://0x7f.1/x',
    'https://017700000001/x',
    'https://127.1/x',
    'https://localhost./x',
    'https://app.localhost./x',
    'https://[::1]/x',
  ];
  const privateSpellings = [
    'https://[::ffff:a00:1]/x',
    'https://[::ffff:169.254.169.254]/x',
    'https://[fe80::1]/x',
    'https://[fc00::1]/x',
    'https://[::]/x',
    'https://0.0.0.0/x',
    'https://224.0.0.1/x',
    'https://255.255.255.255/x',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x',
    'https://100.64.1.1/x',
    'https://metadata/x',
    'https://db.internal./x',
  ];

  for (const field of ['jwks_uri', 'sector_identifier_uri', 'backchannel_logout_uri']) {
    test.each(loopbackSpellings)(`${field}: loopback spelled %s is refused in production`, (uri) => {
      expect(verdict({ [field]: uri })).toMatch(
        new RegExp(`^invalid_client_metadata: ${field} must not point at a loopback or private address`),
      );
    });
    test.each(privateSpellings)(`${field}: private %s is refused in production and in development`, (uri) => {
      expect(verdict({ [field]: uri })).toMatch(/^invalid_client_metadata: .*loopback or private/);
      expect(verdict({ [field]: uri }, DEVELOPMENT)).toMatch(/^invalid_client_metadata: .*loopback or private/);
    });
    test(`${field}: a public https URL is accepted, http is not`, () => {
      expect(verdict({ [field]: 'https://rp.example.com/x' })).toBe('accepted');
      expect(verdict({ [field]: 'http://rp.example.com/x' })).toMatch(
        new RegExp(`^invalid_client_metadata: ${field} must use https`),
      );
    });
    test(`${field}: OUTBOUND_ALLOWED_HOSTS lets a named host through, on its port only`, () => {
      const options = { production: true, outboundAllowedHosts: ['localhost:8443'] };
      expect(verdict({ [field]: 'https://localhost:8443/x' }, options)).toBe('accepted');
      expect(verdict({ [field]: 'https://localhost:8444/x' }, options)).toMatch(/loopback or private/);
      expect(verdict({ [field]: 'https://[::ffff:7f00:1]:8443/x' }, options)).toMatch(/loopback or private/);
      expect(verdict({ [field]: 'http://localhost:8443/x' }, options)).toMatch(/must use https/);
    });
  }

  test("backchannel_logout_uri: loopback in any spelling is a developer's relying party outside production", () => {
    for (const uri of loopbackSpellings) expect(verdict({ backchannel_logout_uri: uri }, DEVELOPMENT)).toBe('accepted');
    expect(verdict({ backchannel_logout_uri: 'http://127.0.0.1:8080/bcl' }, DEVELOPMENT)).toBe('accepted');
    expect(verdict({ backchannel_logout_uri: 'http://[::ffff:7f00:1]:8080/bcl' }, DEVELOPMENT)).toBe('accepted');
    expect(verdict({ backchannel_logout_uri: 'http://rp.example.com/bcl' }, DEVELOPMENT)).toMatch(/must use https/);
    expect(verdict({ backchannel_logout_uri: 'http://127.0.0.1:8080/bcl' })).toMatch(/must use https/);
  });

  test('jwks_uri and sector_identifier_uri stay off loopback outside production too (unless allowed)', () => {
    expect(verdict({ jwks_uri: 'https://127.0.0.1/jwks' }, DEVELOPMENT)).toMatch(/loopback or private/);
    expect(verdict({ jwks_uri: 'https://[::ffff:7f00:1]/jwks' }, DEVELOPMENT)).toMatch(/loopback or private/);
    expect(verdict({ sector_identifier_uri: 'https://localhost/s.json' }, DEVELOPMENT)).toMatch(/loopback or private/);
    expect(
      verdict(
        { jwks_uri: 'https://localhost:8443/jwks' },
        { production: false, outboundAllowedHosts: ['localhost:8443'] },
      ),
    ).toBe('accepted');
  });
});

describe('browser-loaded URLs (logo_uri, client_uri, policy_uri, tos_uri)', () => {
  for (const field of ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri']) {
    test(`${field}: any https host, even loopback or private (Signet never fetches it)`, () => {
      for (const uri of [
        'https://cdn.example.com/a',
        'https://127.0.0.1/a',
        'https://[::ffff:7f00:1]/a',
        'https://10.0.0.1/a',
        'https://169.254.169.254/latest',
      ]) {
        expect(verdict({ [field]: uri })).toBe('accepted');
      }
    });
    test(`${field}: http only on loopback and only outside production`, () => {
      expect(verdict({ [field]: 'http://127.0.0.1:8080/a' }, DEVELOPMENT)).toBe('accepted');
      expect(verdict({ [field]: 'http://localhost:8080/a' }, DEVELOPMENT)).toBe('accepted');
      expect(verdict({ [field]: 'http://localhost:8080/a' })).toMatch(
        new RegExp(`^invalid_client_metadata: ${field} must use https`),
      );
      expect(verdict({ [field]: 'http://cdn.example.com/a' }, DEVELOPMENT)).toMatch(
        new RegExp(`^invalid_client_metadata: ${field} must use https`),
      );
      expect(verdict({ [field]: 'javascript:alert(1)' }, DEVELOPMENT)).toMatch(/^invalid_client_metadata/);
    });
  }
});

describe('user information in URLs', () => {
  const sneaky = [
    'https://evil.example@good.example/cb',
    'https://user:pass@good.example/cb',
    'https://@good.example/cb',
    'https://good.example%40evil.example@good.example/cb',
  ];
  test.each(sneaky)('redirect_uris %s is refused with invalid_redirect_uri', (uri) => {
    expect(verdict({ redirect_uris: [uri] })).toMatch(
      /^invalid_redirect_uri: redirect_uris must not contain user information/,
    );
  });
  test.each(['post_logout_redirect_uris'])('%s with userinfo is refused with invalid_client_metadata', (field) => {
    expect(verdict({ [field]: ['https://evil.example@good.example/out'] })).toMatch(
      new RegExp(`^invalid_client_metadata: ${field} must not contain user information`),
    );
  });
  test.each([
    'jwks_uri',
    'sector_identifier_uri',
    'backchannel_logout_uri',
    'logo_uri',
    'client_uri',
    'policy_uri',
    'tos_uri',
    'initiate_login_uri',
  ])('%s with userinfo is refused with invalid_client_metadata', (field) => {
    expect(verdict({ [field]: 'https://evil.example@good.example/x' })).toMatch(
      new RegExp(`^invalid_client_metadata: ${field} must not contain user information`),
    );
  });
  test('an @ in the path or query is no userinfo', () => {
    expect(verdict({ redirect_uris: ['https://rp.example.com/cb/@me?u=a@b'] })).toBe('accepted');
  });
});

describe('limits', () => {
  const uris = (n: number, base = 'https://rp.example.com/cb') => Array.from({ length: n }, (_, i) => `${base}${i}`);

  test(`redirect_uris: ${LIMITS.redirectUris} accepted, one more refused with invalid_redirect_uri`, () => {
    expect(verdict({ redirect_uris: uris(LIMITS.redirectUris) })).toBe('accepted');
    expect(verdict({ redirect_uris: uris(LIMITS.redirectUris + 1) })).toMatch(
      /^invalid_redirect_uri: redirect_uris must not have more than 20 entries/,
    );
    expect(verdict({ redirect_uris: uris(2000) })).toMatch(/^invalid_redirect_uri: .*more than/);
  });

  test(`post_logout_redirect_uris: ${LIMITS.postLogoutRedirectUris} accepted, one more refused`, () => {
    expect(verdict({ post_logout_redirect_uris: uris(LIMITS.postLogoutRedirectUris) })).toBe('accepted');
    expect(verdict({ post_logout_redirect_uris: uris(LIMITS.postLogoutRedirectUris + 1) })).toMatch(
      /^invalid_client_metadata: post_logout_redirect_uris must not have more than/,
    );
  });

  test(`every URL: ${LIMITS.urlLength} characters accepted, one more refused`, () => {
    const at = (length: number) => OK + '?' + 'a'.repeat(length - OK.length - 1);
    expect(at(LIMITS.urlLength)).toHaveLength(LIMITS.urlLength);
    expect(verdict({ redirect_uris: [at(LIMITS.urlLength)] })).toBe('accepted');
    expect(verdict({ redirect_uris: [at(LIMITS.urlLength + 1)] })).toMatch(
      /^invalid_redirect_uri: redirect_uris must not be longer than 2000 characters/,
    );
    expect(verdict({ logo_uri: at(LIMITS.urlLength + 1) })).toMatch(
      /^invalid_client_metadata: logo_uri must not be longer/,
    );
    expect(verdict({ jwks_uri: at(LIMITS.urlLength + 1) })).toMatch(
      /^invalid_client_metadata: jwks_uri must not be longer/,
    );
  });

  test(`client_name: ${LIMITS.nameLength} characters accepted (counted as characters, not UTF-16 units), one more refused`, () => {
    expect(verdict({ client_name: 'n'.repeat(LIMITS.nameLength) })).toBe('accepted');
    expect(verdict({ client_name: '😀'.repeat(LIMITS.nameLength) })).toBe('accepted');
    expect(verdict({ client_name: 'n'.repeat(LIMITS.nameLength + 1) })).toMatch(
      /^invalid_client_metadata: client_name must not be longer than 100 characters/,
    );
    expect(verdict({ client_name: 'x'.repeat(50_000) })).toMatch(/^invalid_client_metadata: client_name/);
    expect(verdict({ 'client_name#fr': 'n'.repeat(LIMITS.nameLength + 1) })).toMatch(
      /^invalid_client_metadata: client_name#fr/,
    );
    expect(verdict({ client_name: 42 })).toMatch(/^invalid_client_metadata: client_name must be a string/);
  });

  test(`contacts: ${LIMITS.contacts} accepted, one more refused; each a short string`, () => {
    const contacts = (n: number) => Array.from({ length: n }, (_, i) => `ops${i}@rp.example.com`);
    expect(verdict({ contacts: contacts(LIMITS.contacts) })).toBe('accepted');
    expect(verdict({ contacts: contacts(LIMITS.contacts + 1) })).toMatch(
      /^invalid_client_metadata: contacts must not have more than 10 entries/,
    );
    expect(verdict({ contacts: [`${'a'.repeat(250)}@x.example`] })).toMatch(
      /^invalid_client_metadata: contacts must be strings/,
    );
    expect(verdict({ contacts: [7] })).toMatch(/^invalid_client_metadata: contacts/);
    expect(verdict({ contacts: 'ops@rp.example.com' })).toMatch(/^invalid_client_metadata: contacts must be an array/);
  });
});

describe('client_name: control and bidirectional formatting characters are refused', () => {
  const bidi = [
    '\u202A',
    '\u202B',
    '\u202C',
    '\u202D',
    '\u202E',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200E',
    '\u200F',
    '\u061C',
  ];
  test.each(bidi.map((c) => [`U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, c]))(
    '%s',
    (_label, c) => {
      expect(verdict({ client_name: `Evil${c}elgooG` })).toMatch(
        /^invalid_client_metadata: client_name must not contain control or bidirectional/,
      );
    },
  );
  test('and C0/C1 controls', () => {
    expect(verdict({ client_name: 'A\nB' })).toMatch(/^invalid_client_metadata: client_name/);
    expect(verdict({ client_name: 'A\u0085B' })).toMatch(/^invalid_client_metadata: client_name/);
  });
  test('right-to-left and other scripts themselves are fine', () => {
    expect(verdict({ client_name: 'تطبيق المثال' })).toBe('accepted');
    expect(verdict({ client_name: 'אפליקציה' })).toBe('accepted');
    expect(verdict({ client_name: 'Ünïcødé アプリ' })).toBe('accepted');
  });
});

describe('values a JSON body can hold that are no strings', () => {
  // {"toString": 1} cannot be turned into a string: a check that tries throws a TypeError, i.e. a 500.
  const unprintable = JSON.parse('{"toString": 1}') as unknown;
  test.each([
    ['redirect_uris', { redirect_uris: [unprintable] }, /^invalid_redirect_uri/],
    ['post_logout_redirect_uris', { post_logout_redirect_uris: [unprintable] }, /^invalid_client_metadata/],
    ['contacts', { contacts: [unprintable] }, /^invalid_client_metadata/],
    ['grant_types', { grant_types: [unprintable] }, /^invalid_client_metadata/],
    ['response_types', { response_types: [unprintable, unprintable] }, /^invalid_client_metadata/],
    ['client_name', { client_name: unprintable }, /^invalid_client_metadata/],
    ['logo_uri', { logo_uri: unprintable }, /^invalid_client_metadata/],
    ['jwks_uri', { jwks_uri: [OK] }, /^invalid_client_metadata/],
  ])('%s: a policy error, never a TypeError', (_field, metadata, expected) => {
    expect(verdict(metadata as Record<string, unknown>)).toMatch(expected);
  });
});
