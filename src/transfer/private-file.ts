import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

// Export files hold password hashes and sealed keys: they are created readable by their owner only.

function privateStream(path: string): WriteStream {
  // wx: never through an existing file (or a symlink planted in its place); flush: fsync before close.
  return createWriteStream(path, { flags: 'wx', mode: 0o600, flush: true });
}

/**
 * Writes `path` through a temporary file beside it, renamed into place only once complete: a failed or
 * interrupted export leaves no file that looks like an export. The mode is 0600 (a umask
 * can only take permissions away).
 */
export async function writePrivateFile<T>(path: string, write: (out: WriteStream) => Promise<T>): Promise<T> {
  const partial = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  const out = privateStream(partial);
  try {
    const result = await write(out);
    await rename(partial, path);
    return result;
  } catch (err) {
    out.destroy();
    await unlink(partial).catch(() => undefined);
    throw err;
  }
}

/** Copies a stream (standard input) into a private temporary file, so that it can be read twice. */
export async function spoolToPrivateFile(input: Readable): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-import-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'export.jsonl');
  try {
    await pipeline(input, privateStream(path));
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, remove };
}
