import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { AuditLog, CLI_OPERATOR } from '../audit/audit-log.js';
import { z } from 'zod';
import { optionalText, storeCommand, type StoreCommand, type StoreCommandContext } from './flags.js';
import { ValidationError } from '../errors.js';
import type { Config } from '../config/schema.js';
import type { KeySealer } from '../keys/key-encryption.js';
import type { Store } from '../storage/store.js';
import { FORMAT_NAME, FORMAT_VERSION } from '../transfer/format.js';
import { importExport } from '../transfer/import-store.js';
import { spoolToPrivateFile, writePrivateFile } from '../transfer/private-file.js';
import { ExportFileError, openExport, type ExportReader } from '../transfer/read-export.js';
import { assertOpens, targetSealer } from '../transfer/target-sealer.js';
import { writeExport } from '../transfer/write-export.js';

// What moves: keys (still sealed), accounts, every live OIDC record (clients, grants, tokens, sessions,
// interactions, Signet's session activity and app sessions) and the audit trail. Throttle records do not:
// they are failure counters with a window of an hour at most, keyed by hashes of emails and IPs; moving
// them would carry an attacker's partial count across at best, and a migration is a planned stop anyway.

const fileFlag = { file: { type: 'string' } } as const;
const fileInput = z.object({ file: optionalText });

function describeTarget(config: Readonly<Config>): string {
  return config.store.kind === 'sqlite'
    ? `the embedded store in ${config.store.dataDir}`
    : 'the MongoDB database of MONGODB_URI';
}

async function refuseOccupied(store: Store, config: Readonly<Config>): Promise<void> {
  const { keys, accounts, records } = await store.transfer.occupancy();
  if (keys + accounts + records === 0) return;
  throw new ValidationError(
    `${describeTarget(config)} is not empty (keys: ${keys}, accounts: ${accounts}, records: ${records}): import only into a fresh store, ` +
      'a new MongoDB database or an empty DATA_DIR on which no server has started yet (a first start writes keys)',
  );
}

/** Opens the export once per pass; the label names the file in every message. */
async function exportSource(ctx: Pick<StoreCommandContext, 'stdin'>, path: string | undefined) {
  if (path !== undefined) {
    await access(path, constants.R_OK).catch((err: unknown) => {
      const { code, message } = err as NodeJS.ErrnoException;
      throw new ValidationError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? message)}`);
    });
    return { label: path, open: () => openExport(createReadStream(path)), remove: () => Promise.resolve() };
  }
  if ('isTTY' in ctx.stdin && ctx.stdin.isTTY)
    throw new ValidationError('expected an export on standard input, or --file F');
  // Standard input can be read once only, and everything must be checked before anything is written.
  const spooled = await spoolToPrivateFile(ctx.stdin);
  return { label: 'standard input', open: () => openExport(createReadStream(spooled.path)), remove: spooled.remove };
}

async function withLabel<T>(label: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ExportFileError) throw new ExportFileError(`${label}: ${err.message}`);
    throw err;
  }
}

/** Pass 1: every line valid, the end line present, every key openable by the target. Writes nothing. */
async function check(reader: ExportReader, sealer: KeySealer): Promise<void> {
  for await (const item of reader.items()) if ('key' in item) assertOpens(sealer, item.key);
}

export const STORE_COMMANDS: Record<string, StoreCommand> = {
  'store export': storeCommand({
    usage: 'store export [--file F]',
    summary:
      'write this store (keys still sealed, accounts, clients, grants, tokens, sessions, audit events; not expired records) as JSON Lines ' +
      'to F, created mode 0600, or to standard output; the summary then goes to stderr',
    flags: fileFlag,
    input: fileInput,
    async runOnStore({ store, stdout, clock }, { file: path }) {
      const exportedAt = new Date(clock());
      const summary = (counts: unknown) => ({
        exported: counts,
        file: path ?? null,
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        source: store.kind,
      });
      if (path === undefined) {
        if ('isTTY' in stdout && stdout.isTTY)
          throw new ValidationError(
            'standard output is a terminal: give --file F or redirect it (the export holds password hashes)',
          );
        return { summary: summary(await writeExport(store, stdout, exportedAt, { end: false })), to: 'stderr' };
      }
      const counts = await writePrivateFile(path, (out) => writeExport(store, out, exportedAt, { end: true }));
      return { summary: summary(counts), to: 'stdout' };
    },
  }),
  'store import': storeCommand({
    usage: 'store import [--file F]',
    summary:
      'load an export (from F or standard input) into this store, which must be fresh; everything is checked first, including that ' +
      "this configuration's key-encryption secret opens the keys. SQLite imports all or nothing; on MongoDB a failure mid-way leaves a partial import: drop the database and retry",
    flags: fileFlag,
    input: fileInput,
    async runOnStore(ctx, { file: path }) {
      const { store, config } = ctx;
      await refuseOccupied(store, config);
      const sealer = targetSealer(config);
      const source = await exportSource(ctx, path);
      try {
        await withLabel(source.label, async () => check(await source.open(), sealer));

        const reader = await withLabel(source.label, source.open);
        const audit = new AuditLog(store.audit, ctx.logger, ctx.clock);
        const advice = `${describeTarget(config)} now holds a partial import: drop it and import again`;
        const { header, imported, skippedExpired } = await withLabel(source.label, () =>
          importExport(
            store,
            reader,
            { audit, clock: ctx.clock, label: source.label, partialImportAdvice: advice },
            CLI_OPERATOR,
          ),
        );
        return {
          summary: {
            imported,
            skipped_expired: skippedExpired,
            source: header.source,
            exported_at: header.exportedAt,
            target: store.kind,
          },
          to: 'stdout',
        };
      } finally {
        await source.remove();
      }
    },
  }),
};
