import { createHash } from 'node:crypto';
import type { OidcPayload, OidcRecordStore, StoredRecord } from '../storage/store.js';

/** How long an authenticator app may take to be confirmed before the half-added factor is gone. */
export const PENDING_TTL_SECONDS = 900;

/** An authenticator app (RFC 6238). Its secret is sealed, bound to the factor's id. */
export interface TotpRecord extends OidcPayload {
  accountId: string;
  kind: 'totp';
  name: string;
  sealedSecret: string;
  /** False until a first code proved the app holds the secret: a pending factor is never asked for. */
  confirmed: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  /** The last time step a code was accepted for: that step and every earlier one are spent. */
  lastStep: number | null;
}

/**
 * A passkey (a WebAuthn credential). Kept under a hash of its credential id, so that the assertion of a
 * passkey sign-in, which names only the credential, finds it (and its account) in one read.
 */
export interface PasskeyRecord extends OidcPayload {
  accountId: string;
  kind: 'passkey';
  name: string;
  /** The credential id (base64url), as the authenticator names it. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen; an authenticator that reports a lower one was cloned. */
  counter: number;
  transports: string[];
  /** Synced between devices by its provider (a "multi-device" credential) rather than bound to one. */
  backedUp: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

/** An account's current set of recovery codes; each code is a FactorUse record of its own. */
export interface RecoverySetRecord extends OidcPayload {
  accountId: string;
  kind: 'recovery';
  createdAt: number;
}

/** One recovery code, kept under its keyed hash: taken once through consume(). */
export interface RecoveryCodeRecord extends OidcPayload {
  accountId: string;
  /** The set it belongs to: a code of a replaced set opens nothing, even if its record lingered. */
  setId: string;
}

/** The sealed secret opens only on its own factor's record. */
export function sealContext(factorId: string): string {
  return `factor:${factorId}`;
}

/** The record id of a passkey: a hash of its credential id (which may be up to 1,023 bytes long). */
export function passkeyRecordId(credentialId: string): string {
  return `pk_${createHash('sha256').update(credentialId).digest('base64url')}`;
}

export type FactorRecord = TotpRecord | RecoverySetRecord | PasskeyRecord;

function isFactor(payload: OidcPayload): payload is FactorRecord {
  return payload.kind === 'totp' || payload.kind === 'recovery' || payload.kind === 'passkey';
}

/** A factor that by itself makes sign-in ask for a second step: a confirmed app, or a passkey. */
function isSecondFactor(factor: FactorRecord): boolean {
  return (factor.kind === 'totp' && factor.confirmed) || factor.kind === 'passkey';
}

/** The Factor and FactorUse records of one account, as the service reads and writes them. */
export class FactorRecords {
  constructor(private readonly records: OidcRecordStore) {}

  async all(accountId: string): Promise<Array<{ id: string; factor: FactorRecord }>> {
    const found: StoredRecord[] = await this.records.findByAccount('Factor', accountId);
    return found.flatMap(({ id, payload }) => (isFactor(payload) ? [{ id, factor: payload }] : []));
  }

  /** Whether sign-in must ask this account for a second factor: a confirmed app or a passkey. */
  async hasSecondFactor(accountId: string): Promise<boolean> {
    return (await this.all(accountId)).some(({ factor }) => isSecondFactor(factor));
  }

  async hasPasskey(accountId: string): Promise<boolean> {
    return (await this.all(accountId)).some(({ factor }) => factor.kind === 'passkey');
  }

  async passkey(id: string): Promise<PasskeyRecord | undefined> {
    const found = await this.records.find('Factor', id);
    return found?.kind === 'passkey' ? (found as PasskeyRecord) : undefined;
  }

  async savePasskey(passkey: PasskeyRecord): Promise<void> {
    await this.records.upsert('Factor', passkeyRecordId(passkey.credentialId), passkey);
  }

  async totp(accountId: string, id: string): Promise<TotpRecord | undefined> {
    const found = await this.records.find('Factor', id);
    return found?.kind === 'totp' && found.accountId === accountId ? (found as TotpRecord) : undefined;
  }

  /** A pending factor expires by itself; a confirmed one stays until removed. */
  async saveTotp(id: string, factor: TotpRecord): Promise<void> {
    await this.records.upsert('Factor', id, factor, factor.confirmed ? undefined : PENDING_TTL_SECONDS);
  }

  async saveRecoverySet(id: string, set: RecoverySetRecord, codeIds: readonly string[]): Promise<void> {
    await this.records.upsert('Factor', id, set);
    for (const codeId of codeIds) {
      const code: RecoveryCodeRecord = { accountId: set.accountId, setId: id };
      await this.records.upsert('FactorUse', codeId, code);
    }
  }

  /** Recovery codes of the account not yet used. */
  async unusedCodes(accountId: string): Promise<number> {
    const codes = await this.records.findByAccount('FactorUse', accountId, undefined, 1000);
    return codes.filter((c) => c.payload.consumed === undefined).length;
  }

  /** Takes one recovery code: true for the single caller that did, while its set is the current one. */
  async takeCode(accountId: string, codeId: string, currentSet: string): Promise<boolean> {
    const code = await this.records.find('FactorUse', codeId);
    if (code?.accountId !== accountId || code.setId !== currentSet || code.consumed !== undefined) return false;
    return this.records.consume('FactorUse', codeId);
  }

  async removeCodes(accountId: string): Promise<void> {
    for (;;) {
      const codes = await this.records.findByAccount('FactorUse', accountId);
      if (codes.length === 0) return;
      for (const code of codes) await this.records.destroy('FactorUse', code.id);
    }
  }

  async remove(id: string): Promise<void> {
    await this.records.destroy('Factor', id);
  }
}
