import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../errors.js';
import type { AccountRecord, AccountStore, Clock } from '../storage/store.js';
import { normalizeEmail, parseEmail } from './email.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, type PasswordHasher } from './password.js';

export interface NewAccount {
  email: string;
  password: string;
  name?: string;
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
      name: input.name?.trim() || null,
      passwordHash: await this.hasher.hash(input.password),
      disabled: false,
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

  async setDisabled(emailInput: string, disabled: boolean): Promise<AccountRecord> {
    const account = await this.accounts.findByEmail(parseEmail(emailInput));
    if (!account) throw new NotFoundError('no account with this email');
    const updated = await this.accounts.update(account.id, { disabled }, this.clock());
    if (!updated) throw new NotFoundError('no account with this email');
    return updated;
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
