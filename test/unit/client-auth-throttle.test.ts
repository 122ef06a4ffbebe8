import { describe, expect, test } from '@jest/globals';
import { CLIENT_AUTH_IP_POLICY, CLIENT_AUTH_POLICY, clientAuthKeys } from '../../src/throttle/throttle.js';
import { basicClientId, formClientId } from '../../src/http/middleware/client-auth-throttle.js';

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('basicClientId', () => {
  test('reads the client_id of an RFC 6749 2.3.1 Basic header, form-urlencoded as the RFC asks', () => {
    expect(basicClientId(basic('my-client:secret'))).toBe('my-client');
    expect(
      basicClientId(basic(`${encodeURIComponent('https://api.example.com')}:${encodeURIComponent('s:e/c')}`)),
    ).toBe('https://api.example.com');
    expect(basicClientId(basic('a+b%21:x'))).toBe('a b!');
    expect(basicClientId(`basic ${Buffer.from('c:s').toString('base64')}`)).toBe('c');
  });

  test('reads nothing from what oidc-provider would refuse as malformed', () => {
    expect(basicClientId(undefined)).toBeUndefined();
    expect(basicClientId('')).toBeUndefined();
    expect(basicClientId(`Bearer ${Buffer.from('c:s').toString('base64')}`)).toBeUndefined();
    expect(basicClientId(`Basic  ${Buffer.from('c:s').toString('base64')}`)).toBeUndefined();
    expect(basicClientId('Basic not*base64')).toBeUndefined();
    expect(basicClientId(basic('no-colon'))).toBeUndefined();
    expect(basicClientId(basic(':secret'))).toBeUndefined();
    expect(basicClientId(basic('%E0%A4%A:secret'))).toBeUndefined();
  });
});

describe('formClientId', () => {
  test('client_secret_post and none: the client_id field', () => {
    expect(formClientId('grant_type=client_credentials&client_id=svc&client_secret=x')).toBe('svc');
    expect(formClientId('client_id=https%3A%2F%2Fapi.example.com&token=t')).toBe('https://api.example.com');
  });

  test('private_key_jwt: the client_id field, else the subject of the (unverified) assertion', () => {
    const assertion = `${part({ alg: 'RS256' })}.${part({ iss: 'jwt-client', sub: 'jwt-client' })}.sig`;
    expect(formClientId(new URLSearchParams({ client_assertion: assertion }).toString())).toBe('jwt-client');
    expect(formClientId(new URLSearchParams({ client_id: 'named', client_assertion: assertion }).toString())).toBe(
      'named',
    );
  });

  test('nothing from a repeated field, a malformed assertion or a subject that is not a string', () => {
    expect(formClientId('client_id=a&client_id=b')).toBeUndefined();
    expect(formClientId('client_id=')).toBeUndefined();
    expect(formClientId('grant_type=client_credentials')).toBeUndefined();
    expect(formClientId('client_assertion=not-a-jwt')).toBeUndefined();
    expect(formClientId(`client_assertion=a.${Buffer.from('{not json').toString('base64url')}.c`)).toBeUndefined();
    expect(formClientId(`client_assertion=a.${part({ sub: 42 })}.c`)).toBeUndefined();
    expect(formClientId(`client_assertion=a.${part(['sub'])}.c`)).toBeUndefined();
  });
});

describe('clientAuthKeys', () => {
  test('one key per (client, address) and one per address; never one per client alone', () => {
    const here = clientAuthKeys('svc', '192.0.2.1');
    expect(here.client).toHaveLength(1);
    expect(here.client[0]?.policy).toBe(CLIENT_AUTH_POLICY);
    expect(here.ip).toEqual({ key: 'client:ip:192.0.2.1', policy: CLIENT_AUTH_IP_POLICY });
    // The same client elsewhere shares nothing with it: a stranger's failures there cannot refuse it here.
    const elsewhere = clientAuthKeys('svc', '203.0.113.7');
    expect(elsewhere.client[0]?.key).not.toBe(here.client[0]?.key);
    expect(elsewhere.ip.key).not.toBe(here.ip.key);
    // Another client at the same address shares only the address's key, which has far more room.
    const neighbour = clientAuthKeys('other', '192.0.2.1');
    expect(neighbour.client[0]?.key).not.toBe(here.client[0]?.key);
    expect(neighbour.ip).toEqual(here.ip);
    expect(CLIENT_AUTH_IP_POLICY.lockAfter).toBeGreaterThan(CLIENT_AUTH_POLICY.lockAfter);
  });

  test('the client_id is hashed into a bounded key: any length, any characters', () => {
    const key = clientAuthKeys('x'.repeat(50_000), '192.0.2.1').client[0]?.key ?? '';
    expect(key.length).toBeLessThan(80);
    expect(key).not.toContain('xxx');
  });

  test('a request that names no client is counted by its address only', () => {
    expect(clientAuthKeys(undefined, '192.0.2.1')).toEqual({
      client: [],
      ip: { key: 'client:ip:192.0.2.1', policy: CLIENT_AUTH_IP_POLICY },
    });
  });
});
