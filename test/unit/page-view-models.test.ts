// The pure parts of what the pages say: addresses as people know them, relative times, errors in
// plain words, and which client URLs may become a logo or a link.

import { en } from '../support/english.js';
import { describe, expect, test } from '@jest/globals';
import { displayIp } from '../../src/http/view-models/account-view.js';
import { errorView } from '../../src/http/view-models/error-view.js';
import { clientBranding } from '../../src/http/view-models/interaction-view.js';
import { wayBack } from '../../src/http/view-models/logout-view.js';
import { relativeTime, timeView } from '../../src/http/view-models/time-view.js';

describe('page view models', () => {
  test('IPv4 seen through a dual-stack socket is shown without ::ffff:', () => {
    expect(displayIp('::ffff:203.0.113.9', en)).toBe('203.0.113.9');
    expect(displayIp('::FFFF:10.0.0.1', en)).toBe('10.0.0.1');
    expect(displayIp('2001:db8::1', en)).toBe('2001:db8::1');
    expect(displayIp('::ffff:2001:db8::1', en)).toBe('::ffff:2001:db8::1');
    expect(displayIp(null, en)).toBe('unknown');
  });

  test('times are relative to the injected now, with UTC beside them', () => {
    const now = Date.UTC(2030, 5, 1, 12, 0, 0);
    expect(relativeTime(now - 3 * 60_000, now, 'en', en)).toBe('3 minutes ago');
    expect(relativeTime(now - 20_000, now, 'en', en)).toBe('just now');
    expect(relativeTime(now + 2 * 3600_000, now, 'en', en)).toBe('in 2 hours');
    expect(relativeTime(now - 26 * 3600_000, now, 'en', en)).toBe('yesterday');
    expect(timeView(now, now, 'en', en)).toEqual({
      iso: '2030-06-01T12:00:00.000Z',
      relative: 'just now',
      absolute: '2030-06-01 12:00 UTC',
    });
  });

  test("errors: the library's words go small under plain ones; ours are the message; no detail on a 5xx", () => {
    const unknownClient = errorView({ status: 400, code: 'invalid_client', description: 'client is invalid' }, en);
    expect(unknownClient).toMatchObject({
      heading: 'This app is not known to Signet',
      code: 'invalid_client',
      detail: 'client is invalid',
    });
    expect(unknownClient.message).not.toContain('client is invalid');
    expect(
      errorView({ status: 400, code: 'invalid_request', description: 'interaction session id cookie not found' }, en),
    ).toMatchObject({
      heading: 'This sign-in has expired',
      detail: 'interaction session id cookie not found',
    });
    expect(
      errorView(
        {
          status: 401,
          code: 'login_required',
          description: 'Your account session has ended.',
          plainWords: true,
        },
        en,
      ),
    ).toMatchObject({
      heading: 'Please sign in again',
      message: 'Your account session has ended.',
      detail: null,
    });
    expect(errorView({ status: 500, code: 'server_error', description: 'secret internals' }, en)).toMatchObject({
      heading: 'Something went wrong',
      detail: null,
    });
    expect(errorView({ status: 404, code: 'not_found', description: null }, en).action).toEqual({
      href: '/',
      label: 'Signet’s home page',
    });
  });

  test('a logo only from https; policy and terms only as http(s) links', () => {
    const client = {
      clientId: 'c',
      clientName: 'App',
      logoUri: 'http://app.example/logo.png',
      policyUri: 'javascript:alert(1)',
      tosUri: 'https://app.example/terms',
    };
    expect(clientBranding(client, en)).toEqual({
      name: 'App',
      logoUri: null,
      policyUri: null,
      tosUri: 'https://app.example/terms',
    });
    expect(clientBranding({ clientId: 'c', logoUri: 'https://app.example/logo.png' }, en).logoUri).toBe(
      'https://app.example/logo.png',
    );
    expect(clientBranding(undefined, en).name).toBe('the application');
  });

  test('the way back after signing out: the registered client_uri, else a registered web redirect origin, else home', () => {
    expect(wayBack({ clientId: 'a', clientName: 'A', clientUri: 'https://a.example/' }, en)).toEqual({
      href: 'https://a.example/',
      label: 'Back to A',
    });
    expect(
      wayBack({ clientId: 'b', clientName: 'B', redirectUris: ['com.example.app:/cb', 'https://b.example/cb'] }, en),
    ).toEqual({ href: 'https://b.example/', label: 'Back to B' });
    expect(wayBack({ clientId: 'n', redirectUris: ['com.example.app:/cb'] }, en)).toEqual({
      href: '/',
      label: 'Signet’s home page',
    });
    expect(wayBack(undefined, en).href).toBe('/');
    expect(wayBack({ clientId: 'signet-account' }, en).href).toBe('/account');
  });
});
