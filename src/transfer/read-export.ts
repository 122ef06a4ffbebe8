import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ValidationError } from '../errors.js';
import type { TransferItem } from '../storage/store.js';
import {
  addToCounts,
  emptyCounts,
  FORMAT_NAME,
  FORMAT_VERSION,
  headerSchema,
  describeIssue,
  parseLine,
  sameCounts,
  type Counts,
  type ExportHeader,
} from './format.js';

/** Anything wrong with an export file: the message names the line, and is shown to the operator as is. */
export class ExportFileError extends ValidationError {}

export interface ExportReader {
  header: ExportHeader;
  /**
   * Every item, validated line by line. Rejects with ExportFileError on a bad line, and at the end if the
   * end line is missing (a truncated file) or its counts disagree with what was read.
   */
  items(): AsyncGenerator<TransferItem>;
  /** What items() has read so far; after it finished, the whole file. */
  readonly counts: Counts;
}

/** Reads and checks the header; the items follow through the returned reader, which owns `input`. */
export async function openExport(input: Readable): Promise<ExportReader> {
  // JSON.stringify escapes CR and LF inside strings, so a raw line break only ever ends a line.
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  let header: ExportHeader;
  try {
    const first = await lines.next();
    if (first.done) throw new ExportFileError('the file is empty: not a Signet export');
    header = parseHeader(first.value);
  } catch (err) {
    input.destroy();
    throw err;
  }
  const counts = emptyCounts();

  async function* items(): AsyncGenerator<TransferItem> {
    try {
      yield* readItems();
    } finally {
      input.destroy();
    }
  }

  async function* readItems(): AsyncGenerator<TransferItem> {
    let lineNumber = 1;
    let end: Counts | undefined;
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      lineNumber += 1;
      if (end) throw new ExportFileError(`line ${lineNumber}: nothing may follow the end line`);
      const parsed = parseLineAt(next.value, lineNumber);
      if ('end' in parsed) {
        end = parsed.end.counts;
        continue;
      }
      addToCounts(counts, parsed);
      yield parsed;
    }
    if (!end) {
      throw new ExportFileError(
        `the file is truncated: it stops after line ${lineNumber} without the end line an export finishes with`,
      );
    }
    if (!sameCounts(end, counts)) {
      throw new ExportFileError(
        `line ${lineNumber}: the end line counts ${JSON.stringify(end)} but the file holds ${JSON.stringify(counts)}`,
      );
    }
  }

  return { header, items, counts };
}

function parseHeader(line: string): ExportHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ExportFileError('line 1: not JSON: not a Signet export');
  }
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (fields.format !== FORMAT_NAME)
    throw new ExportFileError(`line 1: not a Signet export (the header's "format" must be "${FORMAT_NAME}")`);
  if (typeof fields.version === 'number' && fields.version > FORMAT_VERSION) {
    throw new ExportFileError(
      `line 1: the file is format version ${fields.version}, written by a newer Signet; this one reads version ${FORMAT_VERSION}: import with that Signet's version or newer`,
    );
  }
  const parsed = headerSchema.safeParse(value);
  if (!parsed.success) throw new ExportFileError(`line 1: ${describeIssue('header', parsed.error)}`);
  return parsed.data;
}

function parseLineAt(line: string, lineNumber: number) {
  if (line.trim() === '') throw new ExportFileError(`line ${lineNumber}: empty line`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    // Only the position: JSON.parse quotes the text around it, which may be a password hash or a sealed key.
    const at = /at position (\d+)/.exec((err as Error).message)?.[1];
    const where = at === undefined ? '' : ` at character ${Number(at) + 1}`;
    throw new ExportFileError(`line ${lineNumber}: not valid JSON${where}; the file is damaged or was cut short`);
  }
  try {
    return parseLine(value);
  } catch (err) {
    throw new ExportFileError(`line ${lineNumber}: ${(err as Error).message}`);
  }
}
