import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { ValidationError } from '../errors.js';
import type { SignetCore } from '../app.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../storage/store.js';

// What every admin CLI command is made of, and the flag readers they share.

export interface Flags {
  [name: string]: string | string[] | boolean | undefined;
}

export interface Command {
  usage: string;
  summary: string;
  /** Flags this command takes, with their parseArgs type. */
  flags: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  /** Runs on the core; parts beyond it (the provider, mail) are built by the command that needs them. */
  run(app: SignetCore, flags: Flags, stdin: () => Promise<string>): Promise<unknown>;
}

/** What a store command works with: the bare store, standard streams, and the configuration. */
export interface StoreCommandContext {
  config: Readonly<Config>;
  store: Store;
  logger: Logger;
  stdin: Readable;
  stdout: Writable;
}

/**
 * A command on the bare store, run without starting the app: the app's start writes into the store
 * (keys on first start), which an import needs untouched.
 */
export interface StoreCommand extends Omit<Command, 'run'> {
  /** Resolves with the summary to print, and where: stderr when stdout carried the command's data. */
  runOnStore(context: StoreCommandContext, flags: Flags): Promise<{ summary: unknown; to: 'stdout' | 'stderr' }>;
}

export function required(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`--${name} is required`);
  return value;
}

export function wholeNumber(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ValidationError(`${name} must be a whole number`);
  return Number(value);
}

export function list(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** Repeated `--flag "name=text"` pairs, as for scope descriptions. */
export function pairs(flags: Flags, name: string): Record<string, string> | undefined {
  const values = list(flags, name);
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) throw new ValidationError(`--${name} takes name=text: ${value}`);
    out[value.slice(0, at).trim()] = value.slice(at + 1).trim();
  }
  return out;
}
