import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { z } from 'zod';
import { FieldError, ValidationError } from '../errors.js';
import type { SignetCore } from '../app.js';
import type { Config } from '../config/schema.js';
import type { Clock, Store } from '../storage/store.js';

// What every admin CLI command is made of, and the zod readers of the flags they share. parseArgs splits
// the arguments; a command's schema then reads the values it gives (unknown in, typed input out).

/** Flags a command takes, with their parseArgs type. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/** The part of a command the help text and parseArgs read. */
interface CommandUsage {
  usage: string;
  summary: string;
  flags: FlagSpec;
}

export interface Command extends CommandUsage {
  /** Runs on the core; parts beyond it (the provider, mail) are built by the command that needs them. */
  run(app: SignetCore, flags: unknown, stdin: () => Promise<string>): Promise<unknown>;
}

/** What a store command works with: the bare store, standard streams, and the configuration. */
export interface StoreCommandContext {
  config: Readonly<Config>;
  store: Store;
  clock: Clock;
  logger: Logger;
  stdin: Readable;
  stdout: Writable;
}

/**
 * A command on the bare store, run without starting the app: the app's start writes into the store
 * (keys on first start), which an import needs untouched.
 */
export interface StoreCommand extends CommandUsage {
  /** Resolves with the summary to print, and where: stderr when stdout carried the command's data. */
  runOnStore(context: StoreCommandContext, flags: unknown): Promise<{ summary: unknown; to: 'stdout' | 'stderr' }>;
}

interface Definition<T> extends CommandUsage {
  /** Reads parseArgs' values into what `run` takes; its messages are the CLI's own. */
  input: z.ZodType<T>;
  /** The flag of each service field this command passes on: a refusal naming a field then names the flag. */
  fieldFlags?: Readonly<Record<string, string>>;
}

export function readFlags<T>(schema: z.ZodType<T>, flags: unknown): T {
  const read = schema.safeParse(flags);
  if (!read.success) throw new ValidationError(read.error.issues[0]?.message ?? 'invalid flags');
  return read.data;
}

/** A service refusal (FieldError) in the words of the command line. */
function inFlagWords(err: unknown, fieldFlags: Readonly<Record<string, string>> | undefined): unknown {
  if (!(err instanceof FieldError) || !fieldFlags) return err;
  return err.renamed((field) => (fieldFlags[field] === undefined ? field : `--${fieldFlags[field]}`));
}

export function command<T>(
  definition: Definition<T> & { run(app: SignetCore, input: T, stdin: () => Promise<string>): Promise<unknown> },
): Command {
  const { usage, summary, flags, input, fieldFlags } = definition;
  return {
    usage,
    summary,
    flags,
    async run(app, values, stdin) {
      try {
        return await definition.run(app, readFlags(input, values), stdin);
      } catch (err) {
        throw inFlagWords(err, fieldFlags);
      }
    },
  };
}

export function storeCommand<T>(
  definition: Definition<T> & {
    runOnStore(context: StoreCommandContext, input: T): ReturnType<StoreCommand['runOnStore']>;
  },
): StoreCommand {
  const { usage, summary, flags, input } = definition;
  return {
    usage,
    summary,
    flags,
    runOnStore: (context, values) => definition.runOnStore(context, readFlags(input, values)),
  };
}

/** A command whose one flag is a required string: `run` gets its value. */
export function withFlag(
  flag: string,
  definition: Omit<CommandUsage, 'flags'> & {
    fieldFlags?: Readonly<Record<string, string>>;
    run(app: SignetCore, value: string): Promise<unknown>;
  },
): Command {
  const { usage, summary, fieldFlags } = definition;
  return command({
    usage,
    summary,
    ...(fieldFlags ? { fieldFlags } : {}),
    flags: { [flag]: { type: 'string' } },
    input: z
      .record(z.string(), z.unknown())
      .transform((values) => values[flag])
      .pipe(requiredText(flag)),
    run: (app, value) => definition.run(app, value),
  });
}

/** A string flag that must be given, and not blank. */
export const requiredText = (flag: string) =>
  z.string({ error: `--${flag} is required` }).refine((value) => value.trim() !== '', `--${flag} is required`);

export const optionalText = z.string().optional();

/** A repeatable string flag: every value, in order (none: an empty list). */
export const repeated = z
  .array(z.string())
  .optional()
  .transform((values) => values ?? []);

export const switchFlag = z
  .boolean()
  .optional()
  .transform((value) => value === true);

export const oneOf = <const V extends readonly [string, ...string[]]>(flag: string, values: V) =>
  z.enum(values, { error: `--${flag} must be one of ${values.join(', ')}` }).optional();

/** A whole number, from min to max when given (a bound without the other is refused by the service). */
export const wholeNumber = (flag: string, range?: { min: number; max: number }) => {
  const message = `--${flag} must be a whole number${range ? ` from ${range.min} to ${range.max}` : ''}`;
  return z
    .string()
    .refine((value) => /^\d+$/.test(value.trim()), message)
    .transform(Number)
    .refine((n) => !range || (n >= range.min && n <= range.max), message)
    .optional();
};

/** Repeated `--flag "name=text"` pairs, as for scope descriptions; none given: undefined. */
export const pairs = (flag: string) =>
  z
    .array(z.string())
    .optional()
    .transform((values, ctx) => {
      if (!values?.length) return undefined;
      const out: Record<string, string> = {};
      for (const value of values) {
        const at = value.indexOf('=');
        if (at <= 0 || at === value.length - 1) {
          ctx.addIssue({ code: 'custom', message: `--${flag} takes name=text: ${value}` });
          return z.NEVER;
        }
        out[value.slice(0, at).trim()] = value.slice(at + 1).trim();
      }
      return out;
    });

/** Passwords come on standard input only: in arguments they would show in `ps` and in shell history. */
export const passwordStdin = z.literal(true, {
  error: '--password-stdin is required (passwords never go in arguments)',
});

/** The password read from standard input: its first line. */
export const firstLine = async (stdin: () => Promise<string>) => (await stdin()).split(/\r?\n/)[0] ?? '';
