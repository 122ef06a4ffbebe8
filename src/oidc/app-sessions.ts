import { randomBytes } from 'node:crypto';
import type { OidcRecordStore } from '../storage/store.js';

export interface AppSession {
  accountId: string;
  idToken: string;
}

export interface PendingAppLogin {
  verifier: string;
  state: string;
  nonce: string;
}

const PENDING_TTL = 600;

/**
 * Server-side sessions of Signet's first-party relying parties (the account page). The browser holds
 * only the random id, in an HttpOnly cookie; tokens stay here. Records expire by themselves (idle TTL,
 * renewed on use) and are removed when the account signs out.
 */
export class AppSessions {
  constructor(
    private readonly records: OidcRecordStore,
    private readonly idleTtl: number,
  ) {}

  async create(session: AppSession): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.records.upsert('AppSession', id, { kind: 'session', ...session }, this.idleTtl);
    return id;
  }

  /** Finds a live session and slides its expiry. */
  async use(id: string): Promise<AppSession | undefined> {
    const found = await this.records.find('AppSession', id);
    if (found?.kind !== 'session' || typeof found.accountId !== 'string' || typeof found.idToken !== 'string') return undefined;
    await this.records.upsert('AppSession', id, found, this.idleTtl);
    return { accountId: found.accountId, idToken: found.idToken };
  }

  async destroy(id: string): Promise<void> {
    await this.records.destroy('AppSession', id);
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
