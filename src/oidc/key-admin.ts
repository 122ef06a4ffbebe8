import { AUDIT, type AuditLog } from '../audit/audit-log.js';
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
   */
  async rotate(kind: 'signing' | 'cookie'): Promise<KeySummary[]> {
    const skew = 5 * 60_000;
    const retireAfterMs = (kind === 'signing' ? this.timing.idTokenTtlMs : this.timing.sessionTtlMs) + skew;
    const created = await rotateKeys(this.store, this.sealer, this.clock, { kind, activationDelayMs: this.timing.activationDelayMs, retireAfterMs });
    await this.audit.record(AUDIT.keysRotated, {
      details: { kind, kids: created.map((k) => k.kid), activates_at: iso(created[0]?.activatesAt ?? this.clock()) },
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
