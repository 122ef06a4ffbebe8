// Builds dist/ once and only when the sources changed, safely under concurrency.
//
// dist is a symlink to a complete build (.dist-<id>/ beside it, so `../views` from a compiled file still
// reaches the repository's views/ and public/). A build compiles into a fresh .dist-<id>/, writes its stamp
// there, and only then renames a new symlink over dist: a reader sees the old build or the new one, never
// a half-written one. Node resolves a started program's files through the link to the real directory, so
// a process that started on the old build keeps reading it even while dist moves on. One build runs at a
// time (a lock directory); whoever waited for it checks the stamp again instead of building twice.

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const LOCK = join(ROOT, '.dist.lock');
const STAMP = '.build-stamp.json';
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json'];
/** A replaced build may still be read by a process started on it: removed only this long after it was replaced. */
const KEEP_OLD_MS = 10 * 60_000;
const STALE_LOCK_MS = 5 * 60_000;

function* files(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path).sort()) yield* files(join(path, entry));
}

/** A hash of every input's path and content: a few milliseconds for the whole of src/. */
export function fingerprint() {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(join(ROOT, input))) {
      hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** The stamp of the build dist points at, or undefined (none yet, or a build that reported errors). */
function currentStamp() {
  try {
    return JSON.parse(readFileSync(join(DIST, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

export function isFresh(print = fingerprint()) {
  const stamp = currentStamp();
  return stamp?.ok === true && stamp.fingerprint === print;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function lockIsStale() {
  try {
    const owner = JSON.parse(readFileSync(join(LOCK, 'owner.json'), 'utf8'));
    try {
      process.kill(owner.pid, 0);
    } catch (err) {
      if (err.code === 'ESRCH') return true;
    }
    return Date.now() - owner.at > STALE_LOCK_MS;
  } catch {
    // Just created, owner not written yet; or left behind half-made long ago.
    const stat = statSync(LOCK, { throwIfNoEntry: false });
    return stat !== undefined && Date.now() - stat.mtimeMs > 30_000;
  }
}

async function withLock(run, onWait) {
  let waited = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (lockIsStale()) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (!waited) onWait?.();
      waited = true;
      await sleep(100);
    }
  }
  try {
    writeFileSync(join(LOCK, 'owner.json'), JSON.stringify({ pid: process.pid, at: Date.now() }));
    return await run();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function resolvedOrUndefined(path) {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Points dist at `target` in one rename; a dist that is still a plain folder (older checkouts) moves aside first. */
function publish(target) {
  const link = join(ROOT, `.dist-link-${randomBytes(4).toString('hex')}`);
  symlinkSync(relative(ROOT, target), link);
  const existing = lstatSync(DIST, { throwIfNoEntry: false });
  let previous;
  if (existing?.isSymbolicLink()) previous = resolvedOrUndefined(DIST);
  if (existing?.isDirectory()) {
    previous = join(ROOT, `.dist-${Date.now()}-legacy`);
    renameSync(DIST, previous);
  }
  renameSync(link, DIST);
  // Its modification time now says when it was replaced: sweep() counts from there.
  const now = new Date();
  if (previous && existsSync(previous)) utimesSync(previous, now, now);
}

/** Removes builds nothing should be reading any more: not the current one, and none younger than KEEP_OLD_MS. */
function sweep(current) {
  for (const name of readdirSync(ROOT)) {
    if (!name.startsWith('.dist-')) continue;
    const path = join(ROOT, name);
    if (path === current) continue;
    const stat = lstatSync(path);
    if (Date.now() - stat.mtimeMs > (stat.isSymbolicLink() ? STALE_LOCK_MS : KEEP_OLD_MS)) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/**
 * Compiles src/ into a new build and publishes it. TypeScript emits JavaScript even when it reports type
 * errors; that output is published too (as `tsc` did before), but its stamp says so, so that the next
 * start or CLI call builds again and shows the errors again. Resolves with tsc's exit code.
 */
function compile(print, log) {
  const target = join(ROOT, `.dist-${Date.now()}-${randomBytes(3).toString('hex')}`);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  let code = 0;
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', target], {
      cwd: ROOT,
      stdio: ['ignore', 2, 2],
    });
  } catch (err) {
    code = typeof err.status === 'number' ? err.status : 1;
  }
  // tsc: 1 = errors and nothing emitted, 2 = errors but output emitted.
  if (code !== 0 && code !== 2) {
    rmSync(target, { recursive: true, force: true });
    return code;
  }
  writeFileSync(
    join(target, STAMP),
    `${JSON.stringify({ fingerprint: print, ok: code === 0, builtAt: new Date().toISOString() })}\n`,
  );
  publish(target);
  sweep(target);
  log?.(code === 0 ? 'build published' : 'build published with type errors');
  return code;
}

/**
 * Builds unless dist is already a clean build of these sources (`force` builds anyway). Resolves with
 * 0 when dist is fresh and clean afterwards, otherwise with tsc's exit code.
 */
export async function ensureBuild({ force = false, log } = {}) {
  if (!force && isFresh()) return 0;
  return withLock(
    async () => {
      const print = fingerprint();
      // Someone else may have built these very sources while we waited for the lock.
      if (!force && isFresh(print)) return 0;
      if (!force) log?.('sources changed since the last build: building');
      return compile(print, log);
    },
    () => log?.('waiting for another build to finish'),
  );
}

/** Where the sources to build are: absent in an image layer that installs dependencies before copying them. */
export function hasSources() {
  return existsSync(join(ROOT, 'src')) && existsSync(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'));
}
