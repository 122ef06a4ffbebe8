import type { OidcPayload, OidcRecordStore } from '../storage/store.js';

/** As long as a mailed code: time to open the app and type a code, not to leave a half-signed-in tab. */
export const CHALLENGE_TTL_SECONDS = 600;

interface StoredChallenge extends OidcPayload {
  accountId: string;
}

/**
 * Which account passed the password in a sign-in interaction that now asks for its second factor. Kept
 * in the store under the interaction's id (which the provider's signed cookie binds to this browser),
 * never in a cookie the browser could edit; taken once when the second factor is right.
 */
export class TwoStepChallenges {
  constructor(private readonly records: OidcRecordStore) {}

  async open(interactionUid: string, accountId: string): Promise<void> {
    const challenge: StoredChallenge = { accountId };
    await this.records.upsert('FactorChallenge', interactionUid, challenge, CHALLENGE_TTL_SECONDS);
  }

  /** The account waiting for its second factor in this interaction, if any. */
  async accountOf(interactionUid: string): Promise<string | undefined> {
    const found = await this.records.find('FactorChallenge', interactionUid);
    return found?.consumed === undefined && typeof found?.accountId === 'string' ? found.accountId : undefined;
  }

  /** True for the single request that closes it: two tabs with right codes finish the sign-in once. */
  async close(interactionUid: string): Promise<boolean> {
    const closed = await this.records.consume('FactorChallenge', interactionUid);
    await this.records.destroy('FactorChallenge', interactionUid);
    return closed;
  }
}
