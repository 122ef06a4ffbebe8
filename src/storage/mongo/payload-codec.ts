import type { OidcPayload } from '../store.js';

/** The payload fields the store looks records up by, as the SQLite store copies them into columns. */
const TEXT_FIELDS = ['grantId', 'uid', 'userCode', 'accountId', 'clientId'] as const;

/** Where the whole payload's JSON text sits: a name no oidc-provider model gives a top-level field. */
const TEXT = '#json';

/**
 * What a document's `payload` field holds. oidc-provider keys objects by outside values (a Grant's
 * resources by URI, a Session's authorizations by client_id, requested claims by name): MongoDB before
 * 5.0, FerretDB and other MongoDB-wire servers refuse keys holding '.' or starting with '$', BSON cannot
 * carry a NUL in a key, and a lone surrogate turns into U+FFFD on the way. So the payload travels as JSON
 * text, opaque to the server and exactly what the SQLite store keeps, beside copies of the lookup fields
 * under the `payload.*` paths the queries and indexes have always used.
 *
 * Documents written before (MongoDB 5+ took them) hold the payload itself, without the text: they are read
 * as they are, and an overwrite rewrites them in this form. The text lives inside `payload` rather than
 * beside it so that a whole-`payload` overwrite by an older node cannot leave a stale text behind.
 */
export type StoredPayload = Pick<OidcPayload, (typeof TEXT_FIELDS)[number] | 'consumed'> & { [TEXT]?: string };

export function encodePayload(payload: OidcPayload): StoredPayload {
  const stored: StoredPayload = {};
  for (const field of TEXT_FIELDS) {
    const value = payload[field];
    if (typeof value === 'string') stored[field] = value;
  }
  if (typeof payload.consumed === 'number') stored.consumed = payload.consumed;
  // JSON drops undefined properties, as the SQLite store's JSON column does.
  stored[TEXT] = JSON.stringify(payload);
  return stored;
}

export function decodePayload(stored: StoredPayload): OidcPayload {
  const text = stored[TEXT];
  if (typeof text !== 'string') return stored;
  const payload = JSON.parse(text) as OidcPayload;
  // consume() marks `payload.consumed` alone, without rewriting the text.
  const { consumed } = stored;
  return typeof consumed === 'number' && payload.consumed !== consumed ? { ...payload, consumed } : payload;
}
