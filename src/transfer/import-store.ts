import { type Actor, actedBy, AUDIT, type AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import type { Clock, Store, TransferItem } from '../storage/store.js';
import { addToCounts, type Counts, emptyCounts, type ExportHeader } from './format.js';
import { ExportFileError, type ExportReader } from './read-export.js';

export interface ImportDeps {
  audit: AuditLog;
  clock: Clock;
  /** Names the export in messages about its content (a file name, or standard input). */
  label: string;
  /** Says what a failed import left behind where the store cannot import all or nothing. */
  partialImportAdvice: string;
}

export interface ImportResult {
  header: ExportHeader;
  imported: Counts;
  skippedExpired: number;
}

/**
 * Writes a checked export into a fresh store and records the import in the store's own audit trail.
 * Records that expired on the way are left out: the target would never return them.
 */
export async function importExport(
  store: Store,
  reader: ExportReader,
  deps: ImportDeps,
  actor: Actor,
): Promise<ImportResult> {
  const now = deps.clock();
  const imported = emptyCounts();
  let skippedExpired = 0;
  async function* live(): AsyncGenerator<TransferItem> {
    for await (const item of reader.items()) {
      if ('record' in item && item.record.expiresAt !== null && item.record.expiresAt <= now) {
        skippedExpired += 1;
        continue;
      }
      addToCounts(imported, item);
      yield item;
    }
  }
  await store.transfer.importAll(live()).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const reason = err instanceof ExportFileError ? `${deps.label}: ${message}` : message;
    throw new AppError(
      'import_failed',
      store.transfer.atomicImport
        ? `import failed, nothing was written: ${reason}`
        : `import failed part way: ${reason}; ${deps.partialImportAdvice}`,
      500,
      true,
    );
  });
  const { header } = reader;
  await deps.audit.record(
    AUDIT.storeImported,
    actedBy(
      actor,
      {},
      { source: header.source, exported_at: header.exportedAt, imported, skipped_expired: skippedExpired },
    ),
  );
  return { header, imported, skippedExpired };
}
