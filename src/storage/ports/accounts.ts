/**
 * The standard profile claims an account may hold besides its name (OIDC Core 5.1), checked by
 * accounts/profile.ts before they get here. A field that is not set is absent.
 */
export interface AccountProfile {
  givenName?: string;
  familyName?: string;
  middleName?: string;
  nickname?: string;
  preferredUsername?: string;
  /** An https URL of the person's profile page. */
  profile?: string;
  /** An https URL of a picture of the person. */
  picture?: string;
  /** An https URL of the person's web page or blog. */
  website?: string;
  /** Free text; `female` and `male` are the values OIDC Core 5.1 defines. */
  gender?: string;
  /** YYYY-MM-DD, YYYY alone, or 0000-MM-DD when the year is withheld (OIDC Core 5.1). */
  birthdate?: string;
  /** A BCP 47 language tag, e.g. en-US. */
  locale?: string;
  /** An IANA time zone, e.g. Europe/Paris. */
  zoneinfo?: string;
}

export interface AccountRecord {
  id: string;
  /** Normalized (trimmed, lower-case) and unique. */
  email: string;
  name: string | null;
  passwordHash: string;
  disabled: boolean;
  /**
   * Whether the address is known to reach this person: an operator vouched for it, or it was proven.
   * Released as the email_verified claim; a changed address is unproven unless its change says otherwise.
   */
  emailVerified: boolean;
  createdAt: number;
  updatedAt: number;
  /** Absent when no profile claim is set (stores never return an empty object). */
  profile?: AccountProfile;
}

/** `profile` replaces the whole profile (an empty one removes it). */
export type AccountPatch = Partial<
  Pick<AccountRecord, 'name' | 'passwordHash' | 'disabled' | 'emailVerified' | 'profile'>
>;

/** One page of accounts for the operator, in email order. */
export interface AccountListQuery {
  /** Only accounts whose email or name contains this, ignoring case (ASCII letters at least). */
  search?: string;
  /** Only emails after this one: the last email of the previous page. */
  after?: string;
  limit: number;
}

export interface AccountStore {
  /** Rejects with DuplicateError when the email is taken. */
  create(account: AccountRecord): Promise<void>;
  findById(id: string): Promise<AccountRecord | undefined>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  /** Returns the updated record, or undefined when there is no such account. */
  update(id: string, patch: AccountPatch, now: number): Promise<AccountRecord | undefined>;
  /** Resolves false when there was no such account. */
  delete(id: string): Promise<boolean>;
  /** Accounts in email order: at most `limit`, after `after`, matching `search`. */
  list(query: AccountListQuery): Promise<AccountRecord[]>;
  /**
   * Sets a new (normalized) email, verified or not as `verified` says, in one write: the old address's
   * standing never carries over. Rejects with DuplicateError when it is taken; undefined when there is no such account.
   */
  changeEmail(id: string, email: string, now: number, verified: boolean): Promise<AccountRecord | undefined>;
}
