import { createHash } from 'node:crypto';
import Provider, { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { OIDC_MODELS, type OidcModel, type OidcPayload, type OidcRecordStore } from '../storage/store.js';
import type { RefreshPolicy } from '../tokens/refresh-policy.js';
import { RequestTokenLookups } from '../tokens/token-lookups.js';
import type { ClientSecretHasher } from '../clients/client-secret.js';
import type { ClientCache } from './client-cache.js';

function asModel(name: string): OidcModel {
  if (!(OIDC_MODELS as readonly string[]).includes(name)) throw new Error(`unknown oidc-provider model ${name}`);
  return name as OidcModel;
}

/**
 * Bearer artefacts: whoever holds the id holds the token. They are stored under a SHA-256 of the id,
 * with the id itself removed from the payload, so a copy of the store yields no usable token. The id
 * is put back on the way out, where the caller has just presented it.
 */
const HASHED_IDS: ReadonlySet<OidcModel> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'RegistrationAccessToken',
  'InitialAccessToken',
  // Not DeviceCode or BackchannelAuthenticationRequest: they are also found by user code or auth_req_id,
  // where the id is not known to put back (both flows are off).
]);

export function storedTokenId(id: string): string {
  return `sha256.${createHash('sha256').update(id).digest('base64url')}`;
}

/** Models whose `consume` redeems something once: losing the race must be a protocol error, not a 500. */
const CONSUMABLE: ReadonlySet<OidcModel> = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * What the store keeps of a payload: a client secret only as its keyed hash (the store must never see
 * one in the clear), a bearer artefact without its id (stored under the id's hash instead).
 */
function storedPayload(
  model: OidcModel,
  hashed: boolean,
  payload: AdapterPayload,
  secrets: ClientSecretHasher,
): OidcPayload {
  const stored: OidcPayload = { ...payload };
  const secret = payload.client_secret;
  if (model === 'Client' && typeof secret === 'string' && !secrets.isHashed(secret)) {
    stored.client_secret = secrets.hash(secret);
  }
  if (hashed) delete stored.jti;
  return stored;
}

export interface AdapterReads {
  /** Spares the reads one request would make of a value it has already found; by default it follows the provider's own request. */
  lookups?: RequestTokenLookups;
  /** Keeps client registrations between requests; without it every client lookup reads the store. */
  clients?: ClientCache;
}

/** Record reads, a client's through the cache when there is one, and what a write tells the cache. */
function storeReads(records: OidcRecordStore, { lookups, clients }: AdapterReads) {
  return {
    lookups: lookups ?? new RequestTokenLookups(() => Provider.ctx),
    read: (model: OidcModel, key: string) =>
      model === 'Client' && clients ? clients.find(key, () => records.find(model, key)) : records.find(model, key),
    wrote: (model: OidcModel) => {
      if (model === 'Client') clients?.changed();
    },
  };
}

/**
 * Builds the Adapter class oidc-provider instantiates per model. It only translates: storage semantics
 * (expiry, atomic consume) belong to the store; client secrets are hashed here because the store must
 * never see one in the clear. What `reads` holds spares store reads (token-lookups.ts, client-cache.ts).
 */
export function createAdapterClass(
  records: OidcRecordStore,
  secrets: ClientSecretHasher,
  refresh: RefreshPolicy,
  reads: AdapterReads = {},
) {
  const { lookups, read, wrote } = storeReads(records, reads);
  return class StoreAdapter implements Adapter {
    private readonly model: OidcModel;
    private readonly hashed: boolean;

    constructor(name: string) {
      this.model = asModel(name);
      this.hashed = HASHED_IDS.has(this.model);
    }

    private key(id: string): string {
      return this.hashed ? storedTokenId(id) : id;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const stored = storedPayload(this.model, this.hashed, payload, secrets);
      await records.upsert(this.model, this.key(id), stored, expiresIn && expiresIn > 0 ? expiresIn : undefined);
      wrote(this.model);
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      return lookups.find(this.model, this.key(id), async (key) => {
        const found = await read(this.model, key);
        if (this.model === 'RefreshToken' && refresh.hiddenByLeeway(found)) return undefined;
        return found && this.hashed ? { ...found, jti: id } : found;
      });
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return records.findByUid(this.model, uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return records.findByUserCode(this.model, userCode);
    }

    async consume(id: string): Promise<void> {
      const first = await records.consume(this.model, this.key(id));
      // oidc-provider checks `consumed` before calling us, but two parallel requests can both pass
      // that check; the store's conditional write picks one winner and the rest are refused here
      // (for refresh tokens, a lost race: invalid_grant with the grant kept, see refresh-policy.ts).
      if (!first && CONSUMABLE.has(this.model)) throw new errors.InvalidGrant('grant was already used');
    }

    async destroy(id: string): Promise<void> {
      await records.destroy(this.model, this.key(id));
      wrote(this.model);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await records.revokeByGrantId(this.model, grantId);
    }
  };
}
