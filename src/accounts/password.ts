import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { ConcurrencyLimit } from './concurrency-limit.js';

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

/**
 * How many argon2 computations one process runs at once: one per core it may use. argon2 runs on
 * libuv's thread pool (4 threads by default), a FIFO queue shared with file and DNS work: unlimited, a
 * burst of logins would fill the pool and queue every readFile and lookup behind all of it, and more
 * memory-hard hashes at once than cores only make each one dearer (here, 2 vCPUs: about 22.5 ms of
 * CPU per verification two at a time, 24 ms four at a time). Workers share the cores between them.
 */
export function hashingSlots(workers = 1, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / workers));
}

export class PasswordHasher {
  private readonly params: PasswordParams;
  private readonly slots: ConcurrencyLimit;
  private decoy: Promise<string> | undefined;

  constructor(params: Partial<PasswordParams> = {}, slots = hashingSlots()) {
    const merged = { ...OWASP_MINIMUM, ...params };
    if (merged.memoryCost < OWASP_MINIMUM.memoryCost || merged.timeCost < OWASP_MINIMUM.timeCost) {
      throw new Error('argon2id parameters below the OWASP minimum (m >= 19 MiB, t >= 2) are refused');
    }
    this.params = merged;
    this.slots = new ConcurrencyLimit(slots);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password, { type: argon2.argon2id, ...this.params }));
  }

  async verify(hash: string, password: string): Promise<VerifyResult> {
    let ok: boolean;
    try {
      ok = await this.slots.run(() => argon2.verify(hash, password));
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
