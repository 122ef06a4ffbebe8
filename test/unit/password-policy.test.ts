// Which passwords a person may choose (NIST SP 800-63B-4): long enough, not absurdly long, not one
// everybody uses, not their own name or email, and never a rule about which kinds of characters.

import { beforeAll, describe, expect, test } from '@jest/globals';
import { createPasswordPolicy, type PasswordPolicy } from '../../src/accounts/password-policy.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../src/accounts/password.js';

let policy: PasswordPolicy;
beforeAll(() => {
  policy = createPasswordPolicy();
});

/** A string of `n` code points that no dictionary or pattern knows. */
const unusual = (n: number, unit = 'k7Qv2Xw9') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

describe('length, counted in code points', () => {
  test('7 characters are too short, 8 are enough', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(8);
    expect(policy.judge('Zq8#vLp').problem).toBe('too_short');
    expect(policy.judge('Zq8#vLpX').problem).toBeNull();
  });

  test('1024 characters are accepted, 1025 are too long', () => {
    expect(MAX_PASSWORD_LENGTH).toBe(1024);
    const long = unusual(1024, 'Vx3$pLq8Tm2@Rw7!');
    expect(policy.judge(long).problem).toBeNull();
    expect(policy.judge(`${long}a`).problem).toBe('too_long');
  });

  test('an emoji counts as one character, though it is two UTF-16 units', () => {
    const seven = 'Zq8#vL🐙'; // 8 UTF-16 units, 7 code points
    expect(seven.length).toBe(8);
    expect(policy.judge(seven).problem).toBe('too_short');
    expect(policy.judge(`${seven}p`).problem).toBeNull();
    const emoji = '🐙'.repeat(MAX_PASSWORD_LENGTH);
    expect(policy.judge(emoji).problem).not.toBe('too_long');
    expect(policy.judge(`${emoji}🐙`).problem).toBe('too_long');
  });

  test('empty or only spaces is blank, whatever its length', () => {
    expect(policy.judge('')).toEqual({ problem: 'blank', score: 0 });
    expect(policy.judge(' '.repeat(20))).toEqual({ problem: 'blank', score: 0 });
  });
});

describe('known passwords', () => {
  test.each(['password1', 'qwertyuiop', 'iloveyou', 'Password1', '  iloveyou  ', 'p4$$w0rd', '12345678', 'aaaaaaaa'])(
    '%j is refused as common, with score 0',
    (password) => {
      expect(policy.judge(password)).toEqual({ problem: 'common', score: 0 });
    },
  );

  test('no composition rule: lower-case words alone make a strong passphrase', () => {
    expect(policy.judge('correct horse battery staple')).toEqual({ problem: null, score: 4 });
    expect(policy.judge('kimchi jjigae under a november moon')).toEqual({ problem: null, score: 4 });
  });

  test('a long password whose first part is guessable is still refused, and judged quickly', () => {
    const started = performance.now();
    expect(policy.judge('password'.repeat(128)).problem).toBe('common');
    expect(policy.judge(unusual(64, 'x8$Lq2@Vm9!Tw4#R')).problem).toBeNull();
    // Generous for a loaded CI machine: unbounded scoring of these took well over a second.
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('the account’s own identifiers', () => {
  const identity = { email: 'Margaret.Hamilton@example.com', name: 'Apollo' };

  test.each(['margaret.hamilton', 'XXmargaret.hamiltonXX', 'Apollo-Eleven-1969', 'myAPOLLOrocket'])(
    '%j contains the email local part or the name',
    (password) => {
      expect(policy.judge(password, identity).problem).toBe('like_identity');
    },
  );

  test('the same password is fine for someone else', () => {
    expect(policy.judge('myAPOLLOrocket').problem).toBeNull();
  });

  test('parts shorter than 4 characters are not looked for', () => {
    expect(policy.judge('Vx3$pLq8 bob joe', { email: 'bob@example.com', name: 'Joe' }).problem).toBeNull();
    expect(policy.judge('Vx3$pLq8 bobo', { email: 'bobo@example.com' }).problem).toBe('like_identity');
  });

  test('a missing or empty identity changes nothing', () => {
    expect(policy.judge('myAPOLLOrocket', {}).problem).toBeNull();
    expect(policy.judge('myAPOLLOrocket', { email: '', name: '   ' }).problem).toBeNull();
  });
});

describe('score', () => {
  test('grows as a passphrase grows', () => {
    const steps = ['correct', 'correct horse', 'correct horse battery', 'correct horse battery staple'];
    const scores = steps.map((password) => policy.judge(password).score);
    scores.forEach((score, i) => {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(4);
      if (i > 0) expect(score).toBeGreaterThanOrEqual(scores[i - 1] ?? 0);
    });
    expect(scores[0]).toBeLessThanOrEqual(1);
    expect(scores.at(-1)).toBe(4);
  });

  test('is reported even when the password is too short', () => {
    expect(policy.judge('a').score).toBe(0);
    expect(policy.judge('Zq8#vLp')).toEqual({ problem: 'too_short', score: expect.any(Number) });
  });
});
