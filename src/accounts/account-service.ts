import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors.js';
import type { AccountRecord, AccountStore, Clock } from '../storage/store.js';
import { parseDisplayName } from './display-name.js';
import { normalizeEmail, parseEmail } from './email.js';
import { applyProfileChanges, type ProfileChanges } from './profile.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, type PasswordHasher } from './password.js';

export interface NewAccount {
  email: string;
  password: string;
  name?: string;
  /** The creator vouches that the address reaches this person (default: it is unproven). */
  emailVerified?: boolean;
}

/** What changeIdentity may change; a field left out stays as it is. */
export interface IdentityChanges {
  email?: string;
  name?: string | null;
  emailVerified?: boolean;
}

export class AccountService {
  constructor(
    private readonly accounts: AccountStore,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async create(input: NewAccount): Promise<AccountRecord> {
    const email = parseEmail(input.email);
    checkPasswordPolicy(input.password);
    const now = this.clock();
    const account: AccountRecord = {
      id: randomUUID(),
      email,
      name: parseDisplayName(input.name),
      passwordHash: await this.hasher.hash(input.password),
      disabled: false,
      emailVerified: input.emailVerified ?? false,
      createdAt: now,
      updatedAt: now,
    };
    await this.accounts.create(account);
    return account;
  }

  /**
   * Resolves the account only for a correct password on an enabled account. Every failure costs the
   * same argon2 work and yields the same undefined, so callers cannot leak which part was wrong.
   */
  async authenticate(emailInput: string, password: string): Promise<AccountRecord | undefined> {
    if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH || emailInput.length > 320) {
      return undefined;
    }
    const account = await this.accounts.findByEmail(normalizeEmail(emailInput));
    if (!account || account.disabled) {
      await this.hasher.burn(password);
      return undefined;
    }
    const { ok, needsRehash } = await this.hasher.verify(account.passwordHash, password);
    if (!ok) return undefined;
    if (needsRehash) {
      await this.accounts.update(account.id, { passwordHash: await this.hasher.hash(password) }, this.clock());
    }
    return account;
  }

  findById(id: string): Promise<AccountRecord | undefined> {
    return this.accounts.findById(id);
  }

  /** The account of an email, if any: never for deciding a login (see authenticate). */
  async lookup(emailInput: string): Promise<AccountRecord | undefined> {
    if (emailInput.length > 320) return undefined;
    return this.accounts.findByEmail(normalizeEmail(emailInput));
  }

  async findByEmail(emailInput: string): Promise<AccountRecord> {
    const account = await this.accounts.findByEmail(parseEmail(emailInput));
    if (!account) throw new NotFoundError('no account with this email');
    return account;
  }

  async setDisabled(accountId: string, disabled: boolean): Promise<AccountRecord> {
    return this.updated(await this.accounts.update(accountId, { disabled }, this.clock()));
  }

  /**
   * The operator's setter for the standard profile claims and the name (see ProfileChanges): fields left
   * out stay, null clears. Every value is checked first; nothing is written when one is wrong.
   */
  async updateProfile(accountId: string, changes: ProfileChanges): Promise<AccountRecord> {
    const current = this.updated(await this.accounts.findById(accountId));
    const profile = applyProfileChanges(current.profile, changes);
    const name = changes.name === undefined ? undefined : parseDisplayName(changes.name);
    return this.updated(
      await this.accounts.update(accountId, { profile, ...(name !== undefined ? { name } : {}) }, this.clock()),
    );
  }

  /**
   * The operator's change of the sign-in email (checked and normalized as for a new account; refused when
   * taken), of the display name (null clears it) and of whether the address is verified. A new address is
   * unverified unless `emailVerified` says otherwise. Everything is checked before anything is written.
   */
  async changeIdentity(accountId: string, changes: IdentityChanges): Promise<AccountRecord> {
    const email = changes.email === undefined ? undefined : parseEmail(changes.email);
    const name = changes.name === undefined ? undefined : parseDisplayName(changes.name);
    const { emailVerified } = changes;
    let account = this.updated(await this.accounts.findById(accountId));
    const moved = email !== undefined && email !== account.email;
    if (moved)
      account = this.updated(await this.accounts.changeEmail(accountId, email, this.clock(), emailVerified ?? false));
    const patch = {
      ...(name !== undefined ? { name } : {}),
      ...(!moved && emailVerified !== undefined ? { emailVerified } : {}),
    };
    if (Object.keys(patch).length > 0)
      account = this.updated(await this.accounts.update(accountId, patch, this.clock()));
    return account;
  }

  async setPassword(accountId: string, password: string): Promise<AccountRecord> {
    checkPasswordPolicy(password);
    const passwordHash = await this.hasher.hash(password);
    return this.updated(await this.accounts.update(accountId, { passwordHash }, this.clock()));
  }

  /** For a signed-in user proving it is still them (password change); same cost on every path. */
  async verifyPassword(accountId: string, password: string): Promise<boolean> {
    const account = await this.accounts.findById(accountId);
    if (!account || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
      await this.hasher.burn(password.slice(0, MAX_PASSWORD_LENGTH));
      return false;
    }
    return (await this.hasher.verify(account.passwordHash, password)).ok;
  }

  async delete(accountId: string): Promise<void> {
    if (!(await this.accounts.delete(accountId))) throw new NotFoundError('no such account');
  }

  private updated(account: AccountRecord | undefined): AccountRecord {
    if (!account) throw new NotFoundError('no such account');
    return account;
  }
}

export function checkPasswordPolicy(password: string): void {
  if (password.trim().length === 0) throw new ValidationError('password must not be blank');
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
}
