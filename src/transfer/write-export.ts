import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Store } from '../storage/store.js';
import {
  addToCounts,
  emptyCounts,
  FORMAT_NAME,
  FORMAT_VERSION,
  toLine,
  type Counts,
  type ExportHeader,
} from './format.js';

/** Lines are handed to the destination in chunks of about this size: fewer writes, flat memory. */
const CHUNK = 64 * 1024;

/**
 * Writes the whole store to `out` as an export file (see format.ts) and resolves with what it wrote.
 * Backpressure comes from the pipeline: a slow destination slows the reads, nothing piles up.
 * `end: false` leaves `out` open (standard output must not be ended).
 */
export async function writeExport(
  store: Store,
  out: Writable,
  exportedAt: Date,
  options: { end: boolean },
): Promise<Counts> {
  const counts = emptyCounts();
  const header: ExportHeader = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    source: store.kind,
    exportedAt: exportedAt.toISOString(),
  };

  async function* chunks(): AsyncGenerator<string> {
    let chunk = `${JSON.stringify(header)}\n`;
    for await (const item of store.transfer.exportAll()) {
      addToCounts(counts, item);
      chunk += `${toLine(item)}\n`;
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}${JSON.stringify({ end: { counts } })}\n`;
  }

  await pipeline(Readable.from(chunks()), out, { end: options.end });
  return counts;
}
