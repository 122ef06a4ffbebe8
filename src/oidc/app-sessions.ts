import { randomBytes } from 'node:crypto';
import type { OidcRecordStore } from '../storage/store.js';

/** Which in-process relying party a session belongs to. */
export type AppKind = 'account' | 'demo';

export interface AppSession {
  accountId: string;
  idToken: string;
  /** The provider session id the RP was told (id_token `sid`), for back-channel logout. */
  sid?: string;
  /** Only for an RP that calls APIs (the demo): tokens live here, never in the browser. */
  tokens?: { accessToken: string; refreshToken?: string; expiresAt: number; claims: Record<string, unknown> };
}

export interface PendingAppLogin {
  verifier: string;
  state: string;
  nonce: string;
}

const PENDING_TTL = 600;

/**
 * Server-side sessions of Signet's in-process relying parties (the account page, the demo app). The
 * browser holds only the random id, in an HttpOnly cookie; tokens stay here. Records expire by
 * themselves (idle TTL, renewed on use) and are removed at sign-out or on back-channel logout.
 */
export class AppSessions {
  constructor(
    private readonly records: OidcRecordStore,
    private readonly idleTtl: number,
  ) {}

  async create(kind: AppKind, session: AppSession): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.records.upsert('AppSession', id, { kind, ...session }, this.idleTtl);
    return id;
  }

  /** Finds a live session of this RP and slides its expiry. */
  async use(kind: AppKind, id: string): Promise<AppSession | undefined> {
    const found = await this.records.find('AppSession', id);
    if (found?.kind !== kind || typeof found.accountId !== 'string' || typeof found.idToken !== 'string') return undefined;
    await this.records.upsert('AppSession', id, found, this.idleTtl);
    const { kind: _kind, ...session } = found;
    return session as unknown as AppSession;
  }

  async update(kind: AppKind, id: string, session: AppSession): Promise<void> {
    await this.records.upsert('AppSession', id, { kind, ...session }, this.idleTtl);
  }

  async destroy(id: string): Promise<void> {
    await this.records.destroy('AppSession', id);
  }

  /** Back-channel logout: ends this RP's sessions of an account, or only those of one provider session. */
  async destroyFor(kind: AppKind, accountId: string, sid?: string): Promise<number> {
    let ended = 0;
    for (const { id, payload } of await this.records.findByAccount('AppSession', accountId)) {
      if (payload.kind !== kind || (sid !== undefined && payload.sid !== sid)) continue;
      await this.records.destroy('AppSession', id);
      ended += 1;
    }
    return ended;
  }

  async savePending(pending: PendingAppLogin): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.records.upsert('AppSession', id, { kind: 'pending', ...pending }, PENDING_TTL);
    return id;
  }

  /** Single use: a replayed callback finds nothing. */
  async takePending(id: string): Promise<PendingAppLogin | undefined> {
    const found = await this.records.find('AppSession', id);
    if (found?.kind !== 'pending' || !(await this.records.consume('AppSession', id))) return undefined;
    await this.records.destroy('AppSession', id);
    const { verifier, state, nonce } = found;
    if (typeof verifier !== 'string' || typeof state !== 'string' || typeof nonce !== 'string') return undefined;
    return { verifier, state, nonce };
  }
}
