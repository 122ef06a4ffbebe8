import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { OIDC_MODELS, type Clock, type OidcModel, type OidcPayload, type OidcRecordStore } from '../storage/store.js';
import type { ClientSecretHasher } from './client-secret.js';

function asModel(name: string): OidcModel {
  if (!(OIDC_MODELS as readonly string[]).includes(name)) throw new Error(`unknown oidc-provider model ${name}`);
  return name as OidcModel;
}

/** Models whose `consume` redeems something once: losing the race must be a protocol error, not a 500. */
const CONSUMABLE: ReadonlySet<OidcModel> = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * Builds the Adapter class oidc-provider instantiates per model. It only translates: storage semantics
 * (expiry, atomic consume) belong to the store; client secrets are hashed here because the store must
 * never see one in the clear.
 */
export interface AdapterOptions {
  clock: Clock;
  /**
   * Seconds after its rotation during which a used refresh token is answered "not found"
   * (invalid_grant, grant kept) instead of "already used" (invalid_grant, grant revoked as theft).
   * 0, the default, treats every late presentation as theft.
   */
  refreshReuseLeeway: number;
}

export function createAdapterClass(records: OidcRecordStore, secrets: ClientSecretHasher, options: AdapterOptions) {
  return class StoreAdapter implements Adapter {
    private readonly model: OidcModel;

    constructor(name: string) {
      this.model = asModel(name);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      let stored = payload as OidcPayload;
      const secret = payload.client_secret;
      if (this.model === 'Client' && typeof secret === 'string' && !secrets.isHashed(secret)) {
        stored = { ...stored, client_secret: secrets.hash(secret) };
      }
      await records.upsert(this.model, id, stored, expiresIn && expiresIn > 0 ? expiresIn : undefined);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const found = await records.find(this.model, id);
      if (
        this.model === 'RefreshToken' &&
        typeof found?.consumed === 'number' &&
        options.clock() / 1000 - found.consumed < options.refreshReuseLeeway
      ) {
        return undefined;
      }
      return found as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await records.findByUid(this.model, uid)) as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await records.findByUserCode(this.model, userCode)) as AdapterPayload | undefined;
    }

    async consume(id: string): Promise<void> {
      const first = await records.consume(this.model, id);
      // oidc-provider checks `consumed` before calling us, but two parallel requests can both pass
      // that check; the store's conditional write picks one winner and the rest are refused here.
      if (!first && CONSUMABLE.has(this.model)) {
        throw new errors.InvalidGrant('grant was already used');
      }
    }

    async destroy(id: string): Promise<void> {
      await records.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await records.revokeByGrantId(this.model, grantId);
    }
  };
}
