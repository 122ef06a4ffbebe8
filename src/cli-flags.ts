import { ValidationError } from './errors.js';
import type { SignetApp } from './app.js';

// What every admin CLI command is made of, and the flag readers they share.

export interface Flags {
  [name: string]: string | string[] | boolean | undefined;
}

export interface Command {
  usage: string;
  summary: string;
  /** Flags this command takes, with their parseArgs type. */
  flags: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  run(app: SignetApp, flags: Flags, stdin: () => Promise<string>): Promise<unknown>;
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
