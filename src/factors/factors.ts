import { randomBytes } from 'node:crypto';
import { actedBy, AUDIT, type Actor, type AuditLog, type AuditType } from '../audit/audit-log.js';
import type { Language } from '../i18n/translator.js';
import type { KeySealer } from '../keys/key-encryption.js';
import type { AccountRecord, Clock, OidcRecordStore } from '../storage/store.js';
import type { Throttle } from '../throttle/throttle.js';
import type { CodeMailKind } from '../verification/code-mails.js';
import {
  FactorRecords,
  sealContext,
  type PasskeyRecord,
  type RecoverySetRecord,
  type TotpRecord,
} from './factor-records.js';
import { newRecoveryCodes, recoveryCodeHasher } from './recovery-codes.js';
import { SecondFactorCheck, type CheckResult } from './second-factor-check.js';
import { newTotpSecret, readTotpCode, totpUri } from './totp.js';

export type { CheckResult } from './second-factor-check.js';

/** Mails the account's owner what changed (a notice, no code); a no-op where no mail can go out. */
export type FactorNotifier = (account: AccountRecord, kind: CodeMailKind, lang: Language) => Promise<void>;

/** Who acts, from where, and the language a mail to the owner is written in. */
export type FactorActor = Actor & { lang: Language };

export interface FactorsDeps {
  records: OidcRecordStore;
  sealer: KeySealer;
  /** The store's sealed pepper: recovery codes are kept as keyed hashes under it. */
  pepper: Buffer;
  clock: Clock;
  audit: AuditLog;
  throttle: Throttle;
  /** The issuer names the service in the authenticator app. */
  issuer: string;
  notify: FactorNotifier;
}

/** What the account page shows of an authenticator app or a passkey. */
export interface FactorSummary {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** What the account page shows of an account's second factors. */
export interface FactorsSummary {
  apps: FactorSummary[];
  passkeys: FactorSummary[];
  recoveryCodesLeft: number | null;
}

/** An authenticator app being added: what the page shows to set it up, once. */
export interface Enrollment {
  factorId: string;
  /** The secret as base32 text, for typing into an app that cannot scan. */
  secret: string;
  uri: string;
  /** The same URI as an inline SVG QR code. */
  qrSvg: string;
}

/** The most of a factor's name kept (a label like "Phone" or "Work laptop"). */
export const FACTOR_NAME_MAX = 60;

/**
 * An account's second factors: authenticator apps (TOTP, RFC 6238) and one set of recovery codes. An app
 * counts once confirmed with a first code; from then on sign-in asks for a code after the password. Every
 * change is audited and mailed to the owner, whoever made it.
 */
export class Factors {
  private readonly store: FactorRecords;
  private readonly hashCode: (accountId: string, code: string) => string;
  private readonly checker: SecondFactorCheck;

  constructor(private readonly deps: FactorsDeps) {
    this.store = new FactorRecords(deps.records);
    this.hashCode = recoveryCodeHasher(deps.pepper);
    this.checker = new SecondFactorCheck({ ...deps, store: this.store, hashCode: this.hashCode });
  }

  /** Confirmed apps and passkeys, and how many recovery codes are left (null: no set). */
  async summary(accountId: string): Promise<FactorsSummary> {
    const all = await this.store.all(accountId);
    const shown = ({ id, factor }: { id: string; factor: TotpRecord | PasskeyRecord }): FactorSummary => ({
      id,
      name: factor.name,
      createdAt: factor.createdAt,
      lastUsedAt: factor.lastUsedAt,
    });
    const apps = all.flatMap((f) =>
      f.factor.kind === 'totp' && f.factor.confirmed ? [shown({ ...f, factor: f.factor })] : [],
    );
    const passkeys = all.flatMap((f) => (f.factor.kind === 'passkey' ? [shown({ ...f, factor: f.factor })] : []));
    const hasSet = all.some(({ factor }) => factor.kind === 'recovery');
    return { apps, passkeys, recoveryCodesLeft: hasSet ? await this.store.unusedCodes(accountId) : null };
  }

  /** Whether sign-in must ask for a second factor: at least one confirmed app or passkey. */
  required(accountId: string): Promise<boolean> {
    return this.store.hasSecondFactor(accountId);
  }

  /** A pending app with a fresh secret; it is asked for nowhere until confirm() has seen a first code. */
  async enroll(account: AccountRecord, name: string): Promise<Enrollment> {
    const factorId = randomBytes(16).toString('base64url');
    const secret = newTotpSecret();
    const factor: TotpRecord = {
      accountId: account.id,
      kind: 'totp',
      name: name.trim().slice(0, FACTOR_NAME_MAX),
      sealedSecret: this.deps.sealer.seal(secret, sealContext(factorId)),
      confirmed: false,
      createdAt: this.deps.clock(),
      lastUsedAt: null,
      lastStep: null,
    };
    await this.store.saveTotp(factorId, factor);
    return this.enrollment(account, factorId, secret);
  }

  /** The setup of a pending app again (after a wrong first code), or undefined when it is gone. */
  async pending(account: AccountRecord, factorId: string): Promise<Enrollment | undefined> {
    const factor = await this.store.totp(account.id, factorId);
    if (!factor || factor.confirmed) return undefined;
    return this.enrollment(account, factorId, this.deps.sealer.open(factor.sealedSecret, sealContext(factorId)));
  }

  /**
   * The first code confirms a pending app. The account's first app also brings a set of recovery codes,
   * returned here to be shown once. 'wrong' and 'wait' are counted like sign-in's wrong codes.
   */
  async confirm(
    account: AccountRecord,
    factorId: string,
    typed: string,
    who: FactorActor,
  ): Promise<CheckResult | { ok: 'confirmed'; recoveryCodes: string[] | null }> {
    const factor = await this.store.totp(account.id, factorId);
    if (!factor || factor.confirmed) return { ok: false, reason: 'gone' };
    const code = readTotpCode(typed);
    const checked = await this.checker.totpOnly(account.id, factorId, factor, code ?? '', who.ip ?? '');
    if (checked.ok === false) return checked;
    const hadSet = (await this.store.all(account.id)).some(({ factor: f }) => f.kind === 'recovery');
    const confirmed = await this.store.totp(account.id, factorId);
    if (!confirmed) return { ok: false, reason: 'gone' };
    await this.store.saveTotp(factorId, { ...confirmed, confirmed: true });
    await this.changed(account, AUDIT.factorAdded, who, 'factor_added', { factor: 'totp', name: factor.name });
    return { ok: 'confirmed', recoveryCodes: hadSet ? null : await this.issueCodes(account, who) };
  }

  /** A code typed at sign-in: an app's code or a recovery code, throttled per account. */
  async check(account: AccountRecord, typed: string, who: FactorActor): Promise<CheckResult> {
    const result = await this.checker.check(account.id, typed, who.ip ?? '');
    if (result.ok === 'recovery') {
      const left = await this.store.unusedCodes(account.id);
      await this.changed(account, AUDIT.recoveryCodeUsed, who, 'recovery_code_used', { codes_left: left });
    }
    if (result.ok === false && result.reason !== 'wait') {
      await this.deps.audit.record(AUDIT.factorRejected, actedBy(who, { accountId: account.id }));
    }
    return result;
  }

  /**
   * A passkey that passed its registration ceremony, kept. The account's first factor also brings a set
   * of recovery codes, returned to be shown once.
   */
  async addPasskey(account: AccountRecord, passkey: PasskeyRecord, who: FactorActor): Promise<string[] | null> {
    const hadSet = (await this.store.all(account.id)).some(({ factor }) => factor.kind === 'recovery');
    await this.store.savePasskey(passkey);
    await this.changed(account, AUDIT.factorAdded, who, 'passkey_added', { factor: 'passkey', name: passkey.name });
    return hadSet ? null : this.issueCodes(account, who);
  }

  /** Removes one app or passkey; with the last one go the recovery codes, which then would guard nothing. */
  async remove(account: AccountRecord, factorId: string, who: FactorActor): Promise<boolean> {
    const factor = (await this.store.all(account.id)).find(({ id }) => id === factorId)?.factor;
    if (!factor || factor.kind === 'recovery' || (factor.kind === 'totp' && !factor.confirmed)) return false;
    await this.store.remove(factorId);
    if (!(await this.required(account.id))) await this.removeRecoverySets(account.id);
    const mail = factor.kind === 'passkey' ? 'passkey_removed' : 'factor_removed';
    await this.changed(account, AUDIT.factorRemoved, who, mail, { factor: factor.kind, name: factor.name });
    return true;
  }

  /** A new set of recovery codes, replacing every code of the old one; shown once. */
  async regenerate(account: AccountRecord, who: FactorActor): Promise<string[]> {
    await this.removeRecoverySets(account.id);
    return this.issueCodes(account, who);
  }

  /** Every factor of the account gone (an operator's reset, or the account's deletion): how many apps were. */
  async removeAll(account: AccountRecord, who: FactorActor): Promise<number> {
    const all = await this.store.all(account.id);
    for (const { id } of all) await this.store.remove(id);
    await this.store.removeCodes(account.id);
    const apps = all.filter(
      ({ factor }) => factor.kind === 'passkey' || (factor.kind === 'totp' && factor.confirmed),
    ).length;
    await this.changed(account, AUDIT.factorsReset, who, 'factors_reset', { factors_removed: apps });
    return apps;
  }

  private async issueCodes(account: AccountRecord, who: FactorActor): Promise<string[]> {
    const codes = newRecoveryCodes();
    const set: RecoverySetRecord = { accountId: account.id, kind: 'recovery', createdAt: this.deps.clock() };
    const setId = randomBytes(16).toString('base64url');
    await this.store.saveRecoverySet(
      setId,
      set,
      codes.map((code) => this.hashCode(account.id, code)),
    );
    await this.changed(account, AUDIT.recoveryCodesIssued, who, 'recovery_codes_issued', { codes: codes.length });
    return codes;
  }

  private async removeRecoverySets(accountId: string): Promise<void> {
    for (const { id, factor } of await this.store.all(accountId)) {
      if (factor.kind === 'recovery') await this.store.remove(id);
    }
    await this.store.removeCodes(accountId);
  }

  private async enrollment(account: AccountRecord, factorId: string, secret: string): Promise<Enrollment> {
    const uri = totpUri(secret, new URL(this.deps.issuer).host, account.email);
    // Loaded at the first enrollment rather than at start: only this page draws QR codes.
    const { default: QRCode } = await import('qrcode');
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { factorId, secret, uri, qrSvg };
  }

  private async changed(
    account: AccountRecord,
    type: AuditType,
    who: FactorActor,
    mail: CodeMailKind,
    details: Record<string, unknown>,
  ): Promise<void> {
    const { lang, ...actor } = who;
    await this.deps.audit.record(type, actedBy(actor, { accountId: account.id }, details));
    await this.deps.notify(account, mail, lang);
  }
}
