import {
  KEY_KINDS,
  type AccountRecord,
  type AuditEvent,
  type KeyRecord,
  type KeyStore,
  type RecordDump,
  type TransferItem,
} from './store.js';

type Items<T> = AsyncIterable<T> | Iterable<T>;

/** Where an export reads each kind of item from one backend. */
export interface TransferSource {
  keys: Pick<KeyStore, 'list'>;
  accounts(): Items<AccountRecord>;
  /** The records live at `now`: an export leaves expired ones behind. */
  records(now: number): Items<RecordDump>;
  /** Oldest first. */
  audit(): Items<AuditEvent>;
}

/**
 * The order of every export, whatever the backend (see TransferStore): keys, then accounts, then live
 * OIDC records, then audit events, each kind streamed as the backend reads it.
 */
export async function* exportInOrder(source: TransferSource, now: number): AsyncGenerator<TransferItem> {
  for (const kind of KEY_KINDS) for (const key of await source.keys.list(kind)) yield { key };
  for await (const account of source.accounts()) yield { account };
  for await (const record of source.records(now)) yield { record };
  for await (const audit of source.audit()) yield { audit };
}

/** Where an import writes each kind of item into one backend. */
export interface TransferSink<R> {
  key(key: KeyRecord): R;
  account(account: AccountRecord): R;
  record(record: RecordDump): R;
  audit(event: AuditEvent): R;
}

/** Hands an item (exactly one of its properties is set) to the writer of its kind. */
export function writeItem<R>(item: TransferItem, sink: TransferSink<R>): R {
  if ('key' in item) return sink.key(item.key);
  if ('account' in item) return sink.account(item.account);
  if ('record' in item) return sink.record(item.record);
  return sink.audit(item.audit);
}
