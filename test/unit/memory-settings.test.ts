// The start-time settings a serving process runs with: which are added, and that an operator's own
// choice of any of them, or of none at all, is kept as given.

import { describe, expect, test } from '@jest/globals';
import { MEMORY_SETTINGS_ENV, memorySettings } from '../../src/cluster/memory-settings.js';

const OURS = ['--max-semi-space-size=16', '--heap-growing-percent=50'];

describe('memorySettings', () => {
  test('a process started plainly gets the V8 flags and the malloc tunables, and is marked', () => {
    const settings = memorySettings('fast', {}, []);
    expect(settings?.execArgv).toEqual(OURS);
    expect(settings?.env[MEMORY_SETTINGS_ENV]).toBe('applied');
    const tunables = settings?.env.GLIBC_TUNABLES?.split(':') ?? [];
    expect(tunables).toEqual(
      expect.arrayContaining(['glibc.malloc.arena_max=2', 'glibc.malloc.mmap_threshold=4194304']),
    );
  });

  test('a marked process (restarted, a worker, or an operator who opted out) gets nothing', () => {
    expect(memorySettings('fast', { [MEMORY_SETTINGS_ENV]: 'applied' }, [])).toBeUndefined();
    expect(memorySettings('fast', { [MEMORY_SETTINGS_ENV]: 'off' }, ['--max-semi-space-size=8'])).toBeUndefined();
    expect(memorySettings('fast', { [MEMORY_SETTINGS_ENV]: '' }, [])).toBeUndefined();
  });

  test("the process's own options follow ours, so a later one of the same name would still win", () => {
    const settings = memorySettings('fast', {}, ['--disable-warning=ExperimentalWarning', '--enable-source-maps']);
    expect(settings?.execArgv).toEqual([...OURS, '--disable-warning=ExperimentalWarning', '--enable-source-maps']);
  });

  test("an operator's value of one flag, on the command line, replaces only that one of ours", () => {
    const settings = memorySettings('fast', {}, ['--max-semi-space-size=8']);
    expect(settings?.execArgv).toEqual(['--heap-growing-percent=50', '--max-semi-space-size=8']);
  });

  test("an operator's value in NODE_OPTIONS, in either spelling of the name, replaces ours", () => {
    const dashes = memorySettings('fast', { NODE_OPTIONS: '--inspect=0 --max-semi-space-size=4' }, []);
    expect(dashes?.execArgv).toEqual(['--heap-growing-percent=50']);
    const underscores = memorySettings(
      'fast',
      { NODE_OPTIONS: '  --max_semi_space_size=4   --heap_growing_percent=20 ' },
      [],
    );
    expect(underscores?.execArgv).toEqual([]);
    // Still marked, so a restart or a worker does not apply them again.
    expect(underscores?.env[MEMORY_SETTINGS_ENV]).toBe('applied');
  });

  test("an operator's GLIBC_TUNABLES, even empty, is never replaced", () => {
    expect(memorySettings('fast', { GLIBC_TUNABLES: '' }, [])?.env).toEqual({ [MEMORY_SETTINGS_ENV]: 'applied' });
    expect(
      memorySettings('fast', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' }, [])?.env.GLIBC_TUNABLES,
    ).toBeUndefined();
  });

  test('the lean profile trades CPU for memory with a smaller young generation and earlier full collections', () => {
    expect(memorySettings('lean', {}, [])?.execArgv).toEqual([
      '--max-semi-space-size=8',
      '--heap-growing-percent=30',
      '--optimize-for-size',
    ]);
    // The malloc tunables do not depend on the profile.
    expect(memorySettings('lean', {}, [])?.env).toEqual(memorySettings('fast', {}, [])?.env);
    expect(memorySettings('lean', { NODE_OPTIONS: '--max-semi-space-size=32' }, [])?.execArgv).toEqual([
      '--heap-growing-percent=30',
      '--optimize-for-size',
    ]);
  });

  test('a flag whose name merely starts like one of ours is not taken for it', () => {
    const settings = memorySettings('fast', {}, ['--max-semi-space-size-extra=1']);
    expect(settings?.execArgv.slice(0, 2)).toEqual(OURS);
  });
});
