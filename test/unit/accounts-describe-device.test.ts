import { en } from '../support/english.js';
import { describe, expect, test } from '@jest/globals';
import { describeDevice } from '../../src/http/view-models/account-view.js';

// What the account page shows for a session: a browser and a system a person recognizes, never the raw
// User-Agent.
describe('describeDevice', () => {
  test.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0',
      'Edge on Windows',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/120.0 Safari/537.36',
      'Chrome on Linux',
    ],
  ])('%s is "%s"', (userAgent, expected) => {
    expect(describeDevice(userAgent, en)).toBe(expected);
  });

  test('programs are told apart from browsers, with no system when none is named', () => {
    expect(describeDevice('curl/8.5.0', en)).toBe('A program');
    expect(describeDevice('node', en)).toBe('A program');
    expect(describeDevice('python-requests/2.32', en)).toBe('A program');
    expect(describeDevice('Go-http-client/1.1', en)).toBe('A program');
  });

  test('an unknown browser is still a browser, on its system when that is known', () => {
    expect(describeDevice('SomeBrowser/1.0 (Windows NT 10.0)', en)).toBe('A browser on Windows');
    expect(describeDevice('SomeBrowser/1.0', en)).toBe('A browser');
  });

  test('no User-Agent at all is an unknown device', () => {
    expect(describeDevice(null, en)).toBe('Unknown device');
    expect(describeDevice('', en)).toBe('Unknown device');
  });
});
