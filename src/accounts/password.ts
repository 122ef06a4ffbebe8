import argon2 from 'argon2';

/** OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1 is the floor. */
export interface PasswordParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_MINIMUM: PasswordParams = { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 };

/** Longer inputs are refused before argon2 sees them: no request may buy seconds of CPU. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 8;

export interface VerifyResult {
  ok: boolean;
  /** The stored hash was made with weaker parameters than today's: store a fresh one. */
  needsRehash: boolean;
}

export class PasswordHasher {
  private readonly params: PasswordParams;
  private decoy: Promise<string> | undefined;

  constructor(params: Partial<PasswordParams> = {}) {
    const merged = { ...OWASP_MINIMUM, ...params };
    if (merged.memoryCost < OWASP_MINIMUM.memoryCost || merged.timeCost < OWASP_MINIMUM.timeCost) {
      throw new Error('argon2id parameters below the OWASP minimum (m >= 19 MiB, t >= 2) are refused');
    }
    this.params = merged;
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  async verify(hash: string, password: string): Promise<VerifyResult> {
    let ok = false;
    try {
      ok = await argon2.verify(hash, password);
    } catch {
      ok = false; // a malformed stored hash is a failed login, never a crash
    }
    return { ok, needsRehash: ok && argon2.needsRehash(hash, { ...this.params }) };
  }

  /**
   * Spends the same work as a real verification, for unknown or disabled accounts, so that response
   * time does not tell which emails exist.
   */
  async burn(password: string): Promise<void> {
    this.decoy ??= this.hash('signet-decoy-password');
    await this.verify(await this.decoy, password);
  }
}
