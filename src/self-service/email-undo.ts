import { createHash, randomBytes } from 'node:crypto';
import type { AccountService } from '../accounts/account-service.js';
import type { AccountSecurity, Actor } from '../accounts/account-security.js';
import { DuplicateError } from '../errors.js';
import type { OidcPayload, OidcRecordStore } from '../storage/store.js';

/** Three days: long enough for someone away from their mail over a weekend to see the notice. */
export const UNDO_TTL_SECONDS = 72 * 3600;

/** 256 random bits, base64url: the only thing the link carries. */
export const UNDO_TOKEN = /^[\w-]{43}$/;

interface StoredUndo extends OidcPayload {
  accountId: string;
  /** The address to go back to. */
  email: string;
}

export type UndoOutcome =
  | { kind: 'undone'; email: string }
  /** Unknown, expired or used already, or the account is gone. */
  | { kind: 'expired' }
  /** Another account took the old address meanwhile: nothing was changed. */
  | { kind: 'taken' };

export interface EmailUndoDeps {
  records: OidcRecordStore;
  accounts: AccountService;
  security: AccountSecurity;
  issuer: string;
}

/**
 * The way back from an email change, mailed to the old address: if the change was not its owner's, the
 * account returns to the old address (proven again by this very mail) and everyone signed in to it is
 * signed out, whoever made the change included. The person may not be signed in, so the mail carries a
 * link rather than a code; the link only opens a page that asks, and the token is stored as its hash
 * (a store dump holds no working link) and taken once.
 */
export class EmailUndos {
  constructor(private readonly deps: EmailUndoDeps) {}

  /** A new way back to the account's present address; resolves with the link to mail there. */
  async issue(account: { id: string; email: string }): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const payload: StoredUndo = { accountId: account.id, email: account.email };
    await this.deps.records.upsert('EmailUndo', digest(token), payload, UNDO_TTL_SECONDS);
    return `${this.deps.issuer}/account/email/undo/${token}`;
  }

  /** The address the link leads back to, while it still works. */
  async peek(token: string): Promise<string | undefined> {
    return (await this.find(token))?.email;
  }

  async undo(token: string, actor: Actor): Promise<UndoOutcome> {
    const stored = await this.find(token);
    // Two clicks at once: one conditional write decides which of them goes on.
    if (!stored || !(await this.deps.records.consume('EmailUndo', digest(token)))) return { kind: 'expired' };
    await this.deps.records.destroy('EmailUndo', digest(token));
    const account = await this.deps.accounts.findById(stored.accountId);
    if (!account) return { kind: 'expired' };
    try {
      await this.deps.security.changeIdentity(account, { email: stored.email, emailVerified: true }, actor);
    } catch (err) {
      if (err instanceof DuplicateError) return { kind: 'taken' };
      throw err;
    }
    // Whoever made the change may still be signed in, and may hold apps' tokens: all of it ends.
    await this.deps.security.revokeApps(account, undefined, actor);
    await this.endEverySession(account, actor);
    return { kind: 'undone', email: stored.email };
  }

  private async find(token: string): Promise<StoredUndo | undefined> {
    if (!UNDO_TOKEN.test(token)) return undefined;
    const stored = (await this.deps.records.find('EmailUndo', digest(token))) as StoredUndo | undefined;
    return stored?.consumed === undefined ? stored : undefined;
  }

  private async endEverySession(account: Parameters<AccountSecurity['endSession']>[0], actor: Actor): Promise<void> {
    const seen = new Set<string>();
    for (;;) {
      const sessions = (await this.deps.records.findByAccount('Session', account.id)).filter((s) => !seen.has(s.id));
      if (sessions.length === 0) return;
      for (const session of sessions) {
        seen.add(session.id);
        await this.deps.security.endSession(account, session.id, actor);
      }
    }
  }
}

/** The token has 256 random bits: a plain hash is enough to keep it out of the store. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
