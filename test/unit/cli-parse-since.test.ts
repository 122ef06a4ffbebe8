import { describe, expect, test } from '@jest/globals';
import { parseSince } from '../../src/cli/commands.js';
import { ValidationError } from '../../src/errors.js';

// `audit list --since`: a look-back from the CLI's clock, or a date/time.
describe('parseSince', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  test.each([
    ['90m', now - 90 * 60_000],
    ['24h', now - 24 * 3_600_000],
    ['7d', now - 7 * 86_400_000],
    [' 2h ', now - 2 * 3_600_000],
    ['0m', now],
  ])('a look-back %j counts back from now', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
  });

  test.each([
    ['2026-01-31', Date.parse('2026-01-31')],
    ['2026-01-31T08:30:00Z', Date.parse('2026-01-31T08:30:00Z')],
    ['2026-01-31T08:30:00+02:00', Date.parse('2026-01-31T06:30:00Z')],
    ['2026-01-31T08:30:00.250Z', Date.parse('2026-01-31T08:30:00.250Z')],
  ])('a date or an ISO date/time %j is that instant, whatever now is', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
    expect(parseSince(value, 0)).toBe(expected);
  });

  test.each(['yesterday', '5w', '-1h', '', '24 h', '2026-13-01', '31/01/2026', '1.5h', 'h'])(
    '%j is refused with a message naming --since',
    (value) => {
      expect(() => parseSince(value, now)).toThrow(ValidationError);
      expect(() => parseSince(value, now)).toThrow(/--since/);
    },
  );
});
