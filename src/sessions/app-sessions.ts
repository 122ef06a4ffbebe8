import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccountRecord, OidcPayload, OidcRecordStore } from '../storage/store.js';
import { storedTokenId } from '../oidc/adapter.js';

/** Which in-process relying party a session belongs to. */
export type AppKind = 'account' | 'demo';

/** Tokens of an RP that calls APIs (the demo): they live here, sealed, never in the browser. */
export interface AppTokens {
  accessToken: string;
  refreshToken?: string;
  /** ms since the epoch */
  expiresAt: number;
}

/** What a finished sign-in hands over to become an app session. */
export interface AppSignIn {
  accountId: string;
  /** The RP's client id: its entry in the provider session is what this session hangs on. */
  clientId: string;
  idToken: string;
  /** The id_token's claims (shown by the demo; `sid` kept for back-channel logout). */
  claims: Record<string, unknown>;
  /** The access token just issued: the provider's record of it names the provider session. */
  accessToken: string;
  tokens?: AppTokens;
}

/** A session that still holds: its account, and the provider session it came from. */
export interface LiveAppSession {
  id: string;
  account: AccountRecord;
  idToken: string;
  claims: Record<string, unknown>;
  /** The id of the provider session this one is bound to (its cookie value on the device that signed in). */
  providerSessionId: string | undefined;
  tokens?: AppTokens;
}

export interface AppSessionDeps {
  records: OidcRecordStore;
  accounts: { findById(id: string): Promise<AccountRecord | undefined> };
  /** Seals tokens at rest (the key-encryption secret's sealer): a copy of the store yields none. */
  sealer: { seal(plaintext: string, boundTo: string): string; open(sealed: string, boundTo: string): string };
  /** The server's pepper (stable, stored sealed): keys the credential fingerprint, under its own label. */
  pepper: Buffer;
  idleTtl: number;
}

export interface PendingAppLogin {
  verifier: string;
  state: string;
  nonce: string;
  /** A flash to show once signed in (the account page's `done`), when the sign-in interrupted one. */
  done?: string;
}

const PENDING_TTL = 600;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Server-side sessions of Signet's in-process relying parties (the account page, the demo app). The
 * browser holds only the random id, in an HttpOnly cookie; tokens stay here, sealed.
 *
 * A session holds no standing of its own: it is bound to the provider session it was signed in with
 * (that session's stable uid and this client's entry in it) and to the account's credentials (a keyed
 * fingerprint of the password hash, never the hash). Every use checks both, so whatever ends the user's
 * standing at the provider (end_session, a new password, `user disable`, the session expiring) ends
 * this session on its next request, without anyone having to find and delete it.
 */
export class AppSessions {
  constructor(private readonly deps: AppSessionDeps) {}

  /** Resolves undefined when the sign-in no longer holds (its provider session ended meanwhile). */
  async create(kind: AppKind, signIn: AppSignIn): Promise<string | undefined> {
    const { records } = this.deps;
    const token = await records.find('AccessToken', storedTokenId(signIn.accessToken));
    const sessionUid = text(token?.sessionUid);
    if (!sessionUid || token?.accountId !== signIn.accountId || token.clientId !== signIn.clientId) return undefined;
    const providerSession = await records.findByUid('Session', sessionUid);
    const clientSid = providerSession && this.clientSid(providerSession, signIn.clientId);
    const account = await this.deps.accounts.findById(signIn.accountId);
    if (
      !providerSession ||
      providerSession.accountId !== signIn.accountId ||
      !clientSid ||
      !account ||
      account.disabled
    )
      return undefined;
    const id = randomBytes(32).toString('base64url');
    const sid = text(signIn.claims.sid);
    await records.upsert(
      'AppSession',
      id,
      {
        kind,
        accountId: signIn.accountId,
        clientId: signIn.clientId,
        sessionUid,
        clientSid,
        credential: this.fingerprint(account),
        idToken: signIn.idToken,
        claims: signIn.claims,
        // The id_token's sid, which back-channel logout tokens name (demo only: the account page has none).
        ...(sid ? { sid } : {}),
        ...(signIn.tokens ? { sealedTokens: this.seal(id, signIn.tokens) } : {}),
      },
      this.deps.idleTtl,
    );
    return id;
  }

  /** The session if it still holds (and its expiry slid); otherwise it is removed and undefined returned. */
  async use(kind: AppKind, id: string): Promise<LiveAppSession | undefined> {
    const { records } = this.deps;
    const found = await records.find('AppSession', id);
    if (!found || found.kind !== kind) return undefined;
    const live = await this.check(id, found);
    if (!live) {
      await records.destroy('AppSession', id);
      return undefined;
    }
    await records.upsert('AppSession', id, found, this.deps.idleTtl);
    return live;
  }

  /** New tokens after a refresh; the binding stays that of the original sign-in. */
  async updateTokens(
    kind: AppKind,
    id: string,
    tokens: AppTokens,
    idToken: string,
    claims: Record<string, unknown>,
  ): Promise<void> {
    const found = await this.deps.records.find('AppSession', id);
    if (!found || found.kind !== kind) return;
    await this.deps.records.upsert(
      'AppSession',
      id,
      { ...found, idToken, claims, sealedTokens: this.seal(id, tokens) },
      this.deps.idleTtl,
    );
  }

  async destroy(id: string): Promise<void> {
    await this.deps.records.destroy('AppSession', id);
  }

  /** Back-channel logout: ends this RP's sessions of an account, or only those of one provider session. */
  async destroyFor(kind: AppKind, accountId: string, sid?: string): Promise<number> {
    let ended = 0;
    for (const { id, payload } of await this.deps.records.findByAccount('AppSession', accountId)) {
      if (payload.kind !== kind || (sid !== undefined && payload.sid !== sid)) continue;
      await this.deps.records.destroy('AppSession', id);
      ended += 1;
    }
    return ended;
  }

  async savePending(pending: PendingAppLogin): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.deps.records.upsert('AppSession', id, { kind: 'pending', ...pending }, PENDING_TTL);
    return id;
  }

  /** Single use: a replayed callback finds nothing. */
  async takePending(id: string): Promise<PendingAppLogin | undefined> {
    const { records } = this.deps;
    const found = await records.find('AppSession', id);
    if (found?.kind !== 'pending' || !(await records.consume('AppSession', id))) return undefined;
    await records.destroy('AppSession', id);
    const { verifier, state, nonce, done } = found;
    if (typeof verifier !== 'string' || typeof state !== 'string' || typeof nonce !== 'string') return undefined;
    return { verifier, state, nonce, ...(typeof done === 'string' ? { done } : {}) };
  }

  private async check(id: string, found: OidcPayload): Promise<LiveAppSession | undefined> {
    const accountId = text(found.accountId);
    const clientId = text(found.clientId);
    const sessionUid = text(found.sessionUid);
    const idToken = text(found.idToken);
    // Records written before sessions were bound carry no binding: they end like any unbound one.
    if (!accountId || !clientId || !sessionUid || !idToken || typeof found.credential !== 'string') return undefined;
    const [providerSession, account] = await Promise.all([
      this.deps.records.findByUid('Session', sessionUid),
      this.deps.accounts.findById(accountId),
    ]);
    if (!providerSession || providerSession.accountId !== accountId) return undefined;
    // Logging out of this client alone removes its entry; signing in again gives a new one.
    if (this.clientSid(providerSession, clientId) !== found.clientSid) return undefined;
    if (!account || account.disabled || !this.sameCredential(account, found.credential)) return undefined;
    let tokens: AppTokens | undefined;
    if (typeof found.sealedTokens === 'string') {
      tokens = this.open(id, found.sealedTokens);
      if (!tokens) return undefined;
    }
    const claims = found.claims && typeof found.claims === 'object' ? (found.claims as Record<string, unknown>) : {};
    return {
      id,
      account,
      idToken,
      claims,
      providerSessionId: text(providerSession.jti),
      ...(tokens ? { tokens } : {}),
    };
  }

  private clientSid(providerSession: OidcPayload, clientId: string): string | undefined {
    const authorizations = providerSession.authorizations;
    if (!authorizations || typeof authorizations !== 'object') return undefined;
    const entry = (authorizations as Record<string, unknown>)[clientId];
    return entry && typeof entry === 'object' ? text((entry as Record<string, unknown>).sid) : undefined;
  }

  /** Keyed, so the store holds nothing that helps guess a password; any change of the hash changes it. */
  private fingerprint(account: AccountRecord): string {
    return createHmac('sha256', this.deps.pepper)
      .update(`app-session-credential\0${account.id}\0${account.passwordHash}`)
      .digest('base64url');
  }

  private sameCredential(account: AccountRecord, stored: string): boolean {
    const expected = Buffer.from(this.fingerprint(account));
    const given = Buffer.from(stored);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private seal(id: string, tokens: AppTokens): string {
    return this.deps.sealer.seal(JSON.stringify(tokens), `app-session:${id}`);
  }

  /** undefined when the blob cannot be opened (a key-encryption secret since retired) or is not tokens. */
  private open(id: string, sealed: string): AppTokens | undefined {
    try {
      const parsed: unknown = JSON.parse(this.deps.sealer.open(sealed, `app-session:${id}`));
      if (!parsed || typeof parsed !== 'object') return undefined;
      const { accessToken, refreshToken, expiresAt } = parsed as Record<string, unknown>;
      if (typeof accessToken !== 'string' || typeof expiresAt !== 'number') return undefined;
      return { accessToken, expiresAt, ...(typeof refreshToken === 'string' ? { refreshToken } : {}) };
    } catch {
      return undefined;
    }
  }
}
