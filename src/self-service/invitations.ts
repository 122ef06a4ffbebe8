import { createHash } from 'node:crypto';
import { normalizeEmail, parseEmail } from '../accounts/email.js';
import type { OidcRecordStore } from '../storage/store.js';

/** An invitation holds a week: long enough for a person to find the mail, short enough to be forgotten safely. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Who may sign up where sign-up is by invitation (SIGNUP=invite): an operator invites an address, and
 * only that address can then prove itself and make an account. One invitation per address (inviting
 * again renews it), kept under a hash of the address, gone once used or after a week.
 */
export class Invitations {
  constructor(private readonly records: OidcRecordStore) {}

  /** Invites an address (renewing an earlier invitation); resolves with the normalized address. */
  async invite(emailInput: string): Promise<string> {
    const email = parseEmail(emailInput);
    await this.records.upsert('Invitation', keyOf(email), { email }, INVITATION_TTL_SECONDS);
    return email;
  }

  async isInvited(email: string): Promise<boolean> {
    return (await this.records.find('Invitation', keyOf(email))) !== undefined;
  }

  /** The invitation is spent by the account it led to. */
  async redeem(email: string): Promise<void> {
    await this.records.destroy('Invitation', keyOf(email));
  }
}

function keyOf(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url');
}
