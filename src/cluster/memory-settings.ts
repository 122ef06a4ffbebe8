// Settings of the Node process itself that only take effect when given at its start, and that decide
// most of a server's resident memory under load. Left to their defaults on a machine with gigabytes
// of RAM, V8 lets its young generation grow to 2 × 64 MiB and its old generation to several times what
// is alive, and glibc keeps the 19 MiB of the last argon2 hashes in its arenas: a process whose live
// heap is about 35 MiB sits at 400 MiB under load.
//
// A single Signet process (WORKERS=1) therefore starts itself again, once, in place (same pid, same
// stdio), with these settings; a cluster primary, which only supervises, keeps its own and starts its
// workers with them. An operator's own value of any of them is kept as given.

import type { MemoryProfile } from '../config/schema.js';

/** Set in the environment once the settings are applied; an operator may set it to skip them entirely. */
export const MEMORY_SETTINGS_ENV = 'SIGNET_MEMORY_SETTINGS';

/**
 * V8, by MEMORY_PROFILE.
 *
 * fast (the default): a young generation of 2 × 16 MiB, where a request's objects die just as well (a
 * request allocates kilobytes); at 2 × 8 MiB the collections it adds cost measurable CPU per request.
 * And an old generation collected once it has grown by half of what survived the last collection,
 * rather than by up to four times it: the live heap of a serving process is about 35 MiB.
 *
 * lean, for a host where memory is scarcer than CPU: a young generation of 2 × 8 MiB, an old generation
 * collected at 30% growth, and V8's settings for small devices (smaller compiled code and caches,
 * earlier collections). The first two alone take about 20 MiB off a token-serving process, which still
 * sits near 150 MiB; with the third it runs in about 120 MiB, but each request costs a fifth to two
 * thirds more CPU, and more in some runs (BENCHMARKS.md measures both profiles side by side).
 */
const V8_FLAGS: Readonly<Record<MemoryProfile, readonly string[]>> = {
  fast: ['--max-semi-space-size=16', '--heap-growing-percent=50'],
  lean: ['--max-semi-space-size=8', '--heap-growing-percent=30', '--optimize-for-size'],
};

/**
 * glibc (elsewhere ignored): argon2 takes its 19 MiB from malloc on a libuv thread, and by default
 * glibc then raises its mmap threshold past that size, so every later hash is carved from a thread's
 * arena, which keeps the memory of its last one: up to an arena per thread, each holding 19 to 38 MiB.
 * A fixed threshold of 4 MiB gives each hash a mapping of its own, unmapped when it ends; with huge
 * pages, mapping and zeroing it afresh costs about 2 ms of CPU per hash (7% of one, measured), where
 * 4 KiB pages cost 15. Two arenas are enough for a process whose JavaScript runs on one thread. An
 * operator's GLIBC_TUNABLES, even empty, replaces all of this.
 */
const MALLOC_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: [
    'glibc.malloc.arena_max=2',
    'glibc.malloc.mmap_threshold=4194304',
    'glibc.malloc.trim_threshold=4194304',
    'glibc.malloc.hugetlb=1',
  ].join(':'),
};

export interface MemorySettings {
  /** Node's own options for the serving process: ours first, then the ones this one was started with. */
  execArgv: string[];
  /** Added to the environment (never replacing an operator's value). */
  env: Record<string, string>;
}

const flagName = (flag: string): string => flag.split('=')[0]?.replaceAll('_', '-') ?? flag;

/**
 * What a serving process needs to be started with, or undefined when this one already runs with the
 * settings (it was restarted, it is a worker, or the operator set MEMORY_SETTINGS_ENV).
 */
export function memorySettings(
  profile: MemoryProfile,
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
): MemorySettings | undefined {
  if (env[MEMORY_SETTINGS_ENV] !== undefined) return undefined;
  const given = new Set([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].map(flagName));
  const flags = V8_FLAGS[profile].filter((flag) => !given.has(flagName(flag)));
  const added: Record<string, string> = { [MEMORY_SETTINGS_ENV]: 'applied' };
  for (const [key, value] of Object.entries(MALLOC_ENV)) if (env[key] === undefined) added[key] = value;
  return { execArgv: [...flags, ...execArgv], env: added };
}
