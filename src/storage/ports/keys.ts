/** signing: JWKs for id_tokens; cookie: Keygrip keys; pepper: the HMAC key for client secrets. */
export const KEY_KINDS = ['signing', 'cookie', 'pepper'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** A key as stored: the secret part is sealed (encrypted) by the key service before it gets here. */
export interface KeyRecord {
  kid: string;
  kind: KeyKind;
  alg: string;
  /** Published (JWKS, cookie verification) from this moment. */
  createdAt: number;
  /** Used to sign from this moment: later than createdAt so every node publishes it first. */
  activatesAt: number;
  /** Neither used nor published from this moment (null: until superseded and scheduled). */
  retiresAt: number | null;
  sealed: string;
}

export type KeyPatch = Partial<Pick<KeyRecord, 'retiresAt' | 'sealed'>>;

export interface KeyStore {
  /** Every key of a kind, retired ones included, ordered by createdAt. */
  list(kind: KeyKind): Promise<KeyRecord[]>;
  /** Inserts unless the kid exists; resolves false in that case. */
  insert(key: KeyRecord): Promise<boolean>;
  /** Resolves false when there is no such kid. */
  update(kid: string, patch: KeyPatch): Promise<boolean>;
}
