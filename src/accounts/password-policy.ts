import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';

// NIST SP 800-63B-4 3.1.1.2: a length floor, a generous ceiling, no composition rules, and a check
// against passwords known to be used or breached (and ones derived from the account's own identifiers).

export type PasswordProblem = 'blank' | 'too_short' | 'too_long' | 'common' | 'like_identity';

export interface PasswordVerdict {
  problem: PasswordProblem | null;
  /** zxcvbn score 0..4 */
  score: number;
}

export interface PasswordPolicy {
  judge(password: string, identity?: { email?: string; name?: string }): PasswordVerdict;
}

/** What NIST recommends a password be at least when it is the only factor; shown, never enforced. */
export const RECOMMENDED_PASSWORD_LENGTH = 15;

/**
 * How much of a password zxcvbn looks at. Its matching grows much faster than linearly with length: with
 * the settings below a random 64-character password costs about 40 ms of CPU, 32 characters about 15 ms
 * (the defaults took over 600 ms for 64). A password whose first 32 characters are easily guessed is weak
 * whatever follows, and the length limits below still apply to the whole of it.
 */
const SCORED_CODE_POINTS = 32;

/**
 * zxcvbn tries every combination of up to this many l33t substitutions; its default (100) made one
 * symbol-heavy password cost a second of CPU. Four still unmasks "p4$$w0rd" and "P@$$w0rd".
 */
const L33T_SUBSTITUTIONS = 4;

/** Identity parts shorter than this say too little to refuse a password for containing them. */
const MIN_IDENTITY_PART = 4;

const codePoints = (text: string): string[] => Array.from(text);

function scorer(): ZxcvbnFactory {
  return new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
    l33tMaxSubstitutions: L33T_SUBSTITUTIONS,
    maxLength: SCORED_CODE_POINTS * 2, // in UTF-16 units: the prefix below is already cut by code point
  });
}

/** The email's local part and the name, lower-cased, when long enough to mean something. */
function identityParts(identity: { email?: string; name?: string } | undefined): string[] {
  const email = identity?.email?.trim().toLowerCase() ?? '';
  const at = email.lastIndexOf('@');
  const parts = [at >= 0 ? email.slice(0, at) : email, identity?.name?.trim().toLowerCase() ?? ''];
  return parts.filter((part) => codePoints(part).length >= MIN_IDENTITY_PART);
}

/** Loads the dictionaries (about 50,000 common passwords, English words and names) once. */
export function createPasswordPolicy(): PasswordPolicy {
  const zxcvbn = scorer();
  const known = new Set(common.dictionary['passwords-common'].map((word) => word.toLowerCase()));
  return {
    judge(password, identity) {
      if (password.trim() === '') return { problem: 'blank', score: 0 };
      const points = codePoints(password);
      const length = points.length;
      const parts = identityParts(identity);
      const { score } = zxcvbn.check(points.slice(0, SCORED_CODE_POINTS).join(''), parts);
      if (length < MIN_PASSWORD_LENGTH) return { problem: 'too_short', score };
      if (length > MAX_PASSWORD_LENGTH) return { problem: 'too_long', score };
      const lower = password.trim().toLowerCase();
      if (parts.some((part) => lower.includes(part))) return { problem: 'like_identity', score };
      if (score === 0 || known.has(lower)) return { problem: 'common', score: 0 };
      return { problem: null, score };
    },
  };
}
