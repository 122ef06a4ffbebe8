import type { Collection, Db } from 'mongodb';
import { DuplicateError } from '../../errors.js';
import { storedProfile } from '../account-profile.js';
import type { AccountListQuery, AccountPatch, AccountRecord, AccountStore } from '../store.js';
import { listAccountDocuments } from './account-list.js';
import { isDuplicateKey, isDuplicateKeyOnUpdate } from './duplicate-key.js';

/** emailVerified is missing only from documents written before it existed (by an operator: verified). */
type AccountDocument = Omit<AccountRecord, 'id' | 'emailVerified'> & { _id: string; emailVerified?: boolean };

function toRecord(doc: AccountDocument | null): AccountRecord | undefined {
  if (!doc) return undefined;
  const { _id, profile: stored, emailVerified, ...rest } = doc;
  const profile = storedProfile(stored);
  return { id: _id, ...rest, emailVerified: emailVerified !== false, ...(profile ? { profile } : {}) };
}

export class MongoAccounts implements AccountStore {
  private readonly col: Collection<AccountDocument>;

  constructor(db: Db) {
    this.col = db.collection<AccountDocument>('accounts');
  }

  async create(account: AccountRecord): Promise<void> {
    const { id, profile: given, ...rest } = account;
    const profile = storedProfile(given);
    try {
      await this.col.insertOne({ _id: id, ...rest, ...(profile ? { profile } : {}) });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateError('an account with this email already exists');
      throw err;
    }
  }

  async findById(id: string): Promise<AccountRecord | undefined> {
    return toRecord(await this.col.findOne({ _id: id }));
  }

  async findByEmail(email: string): Promise<AccountRecord | undefined> {
    return toRecord(await this.col.findOne({ email }));
  }

  async update(id: string, patch: AccountPatch, now: number): Promise<AccountRecord | undefined> {
    const set: Partial<AccountDocument> = { updatedAt: now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
    if (patch.disabled !== undefined) set.disabled = patch.disabled;
    if (patch.emailVerified !== undefined) set.emailVerified = patch.emailVerified;
    const profile = patch.profile === undefined ? undefined : storedProfile(patch.profile);
    if (profile) set.profile = profile;
    // An emptied profile is removed, so it reads back as absent, like one never set.
    const unset = patch.profile !== undefined && !profile ? { $unset: { profile: '' as const } } : {};
    const doc = await this.col.findOneAndUpdate({ _id: id }, { $set: set, ...unset }, { returnDocument: 'after' });
    return toRecord(doc);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: id })).deletedCount === 1;
  }

  async list(query: AccountListQuery): Promise<AccountRecord[]> {
    return (await listAccountDocuments(this.col, query)).map((doc) => toRecord(doc) as AccountRecord);
  }

  async changeEmail(id: string, email: string, now: number, verified: boolean): Promise<AccountRecord | undefined> {
    try {
      const set = { email, emailVerified: verified, updatedAt: now };
      return toRecord(await this.col.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }));
    } catch (err) {
      if (isDuplicateKeyOnUpdate(err)) throw new DuplicateError('an account with this email already exists');
      throw err;
    }
  }
}
