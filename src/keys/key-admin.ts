import { AUDIT, type AuditLog } from '../audit/audit-log.js';
import { ValidationError } from '../errors.js';
import type { Clock, KeyKind, KeyStore } from '../storage/store.js';
import type { KeySealer } from './key-encryption.js';
import { keyState, rewrapKeys, rotateKeys, type KeyState } from './key-manager.js';

export interface KeySummary {
  kid: string;
  kind: KeyKind;
  alg: string;
  state: KeyState;
  published_at: string;
  activates_at: string;
  retires_at: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Operator-side key management (the CLI): list, rotate with overlap, re-wrap under a new secret. */
export class KeyAdmin {
  constructor(
    private readonly store: KeyStore,
    private readonly sealer: KeySealer,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly timing: { activationDelayMs: number; idTokenTtlMs: number; sessionTtlMs: number },
  ) {}

  async list(): Promise<KeySummary[]> {
    const now = this.clock();
    const out: KeySummary[] = [];
    for (const kind of ['signing', 'cookie'] as const) {
      const keys = await this.store.list(kind);
      for (const k of keys) {
        out.push({
          kid: k.kid,
          kind,
          alg: k.alg,
          state: keyState(k, keys, now),
          published_at: iso(k.createdAt),
          activates_at: iso(k.activatesAt),
          retires_at: k.retiresAt === null ? null : iso(k.retiresAt),
        });
      }
    }
    return out;
  }

  /**
   * Signing keys: the old key stays published until every id_token it signed has expired (plus clock
   * skew). Cookie keys: the old one keeps verifying until every session it signed has ended.
   *
   * `now` skips the activation delay: the new key is current at once, for each node from its next
   * read of the key store (its interval, or the next JWKS request, see key-refresher.ts). Until then a
   * node still signs with the old key, which stays published, so every token verifies; what is given
   * up is only the guarantee that no relying party sees a kid before every node publishes it.
   */
  async rotate(kind: 'signing' | 'cookie', options: { now?: boolean } = {}): Promise<KeySummary[]> {
    const skew = 5 * 60_000;
    const retireAfterMs = (kind === 'signing' ? this.timing.idTokenTtlMs : this.timing.sessionTtlMs) + skew;
    // A cookie signed with a key another node has not read yet would not verify there: the session would
    // be lost. Cookie keys are never published, so nothing but the delay protects them.
    if (options.now && kind !== 'signing')
      throw new ValidationError('--now applies to signing keys only: cookie keys always wait for every node');
    const activationDelayMs = options.now ? 0 : this.timing.activationDelayMs;
    const created = await rotateKeys(this.store, this.sealer, this.clock, { kind, activationDelayMs, retireAfterMs });
    await this.audit.record(AUDIT.keysRotated, {
      details: {
        kind,
        kids: created.map((k) => k.kid),
        activates_at: iso(created[0]?.activatesAt ?? this.clock()),
        ...(options.now ? { immediate: true } : {}),
      },
    });
    const kids = new Set(created.map((k) => k.kid));
    return (await this.list()).filter((k) => kids.has(k.kid));
  }

  async rewrap(): Promise<number> {
    const count = await rewrapKeys(this.store, this.sealer);
    await this.audit.record(AUDIT.keysRewrapped, { details: { rewrapped: count } });
    return count;
  }
}
