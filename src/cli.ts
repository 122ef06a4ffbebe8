import { parseArgs } from 'node:util';
import type { SignetCore } from './app.js';
import { COMMANDS } from './cli/commands.js';
import { EXAMPLES } from './cli/examples.js';
import { MAIL_COMMANDS } from './cli/mail-commands.js';
import type { Command, StoreCommand } from './cli/flags.js';
import { STORE_COMMANDS } from './cli/store-commands.js';
import { AppError } from './errors.js';

// A call answers in a fraction of a second: this file and the command tables load nothing heavy, the
// configuration and the store are loaded once a command is known, and a command builds only the parts it
// uses (the core; the provider or mail on demand: see createCore).

function helpText(): string {
  const lines = [...Object.values(COMMANDS), ...Object.values(MAIL_COMMANDS), ...Object.values(STORE_COMMANDS)].map(
    (c) => `  ${c.usage}\n      ${c.summary}`,
  );
  return (
    `usage: npm run --silent cli -- <noun> <verb> [flags]\n\n${lines.join('\n')}\n\n` +
    'Each command prints one JSON object on stdout; errors go to stderr with a non-zero exit.\n' +
    '`<noun> <verb> --help` shows a command with an example; to start: npm run --silent cli -- user create --help\n'
  );
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new AppError('invalid_request', 'expected the password on standard input', 400);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Generated ids and secrets are base64url and may start with "-", which parseArgs would read as a flag:
 * a string flag's next argument is always its value, so it is attached as `--flag=value`.
 */
function attachValues(args: string[], command: Pick<Command, 'flags'>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const next = args[i + 1];
    if (name && command.flags[name]?.type === 'string' && next !== undefined) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`signet: ${message.split('\n').join(' ')}\n`);
  process.exit(code);
}

/** A few commands take a third word (`user mfa reset`); every other one is two words, then flags. */
function commandName(noun: string, verb: string | undefined, more: string[]): { name: string; rest: string[] } {
  const third = more[0] !== undefined && !more[0].startsWith('-') ? `${noun} ${verb ?? ''} ${more[0]}` : undefined;
  if (third !== undefined && third in { ...COMMANDS, ...MAIL_COMMANDS, ...STORE_COMMANDS })
    return { name: third, rest: more.slice(1) };
  return { name: `${noun} ${verb ?? ''}`.trim(), rest: more };
}

async function main(argv: string[]): Promise<void> {
  const [noun, verb, ...more] = argv;
  if (!noun || noun === '--help' || noun === '-h' || noun === 'help') {
    process.stdout.write(helpText());
    return;
  }
  const { name, rest } = commandName(noun, verb, more);
  const command: Command | StoreCommand | undefined = COMMANDS[name] ?? MAIL_COMMANDS[name] ?? STORE_COMMANDS[name];
  if (!command) fail(`unknown command "${[noun, verb].filter(Boolean).join(' ')}"; see --help`, 2);
  let values;
  try {
    ({ values } = parseArgs({
      args: attachValues(rest, command),
      options: { ...command.flags, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}; usage: ${command.usage}`, 2);
  }
  if (values.help) {
    const example = EXAMPLES[name];
    process.stdout.write(
      `usage: npm run --silent cli -- ${command.usage}\n  ${command.summary}\n${example ? `\nexample:\n  ${example}\n` : ''}`,
    );
    return;
  }

  const [{ loadConfig }, { createCore, openStore }, { pino }] = await Promise.all([
    import('./config/load-config.js'),
    import('./app.js'),
    import('pino'),
  ]);
  const config = loadConfig(process.env);
  if ('runOnStore' in command) {
    const logger = pino({ level: 'error' }, pino.destination(2));
    // The clock of this store command's parts, as createCore's is of the others.
    const clock = Date.now;
    const store = await openStore(config, clock);
    try {
      const { summary, to } = await command.runOnStore(
        { config, store, clock, logger, stdin: process.stdin, stdout: process.stdout },
        values,
      );
      (to === 'stdout' ? process.stdout : process.stderr).write(`${JSON.stringify(summary)}\n`);
    } finally {
      await store.close();
    }
    return;
  }
  let app: SignetCore | undefined;
  try {
    // stdout carries the one JSON answer; only errors are logged, to stderr.
    app = await createCore({ ...config, logLevel: 'error' }, { logStream: pino.destination(2), mail: { loop: false } });
    const result = await command.run(app, values, readStdin);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app?.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message =
    err instanceof AppError && err.expose ? err.message : err instanceof Error ? err.message : String(err);
  fail(message);
});
