import { z } from 'zod';
import type { SignetCore } from '../app.js';
import { CLI_OPERATOR } from '../audit/audit-log.js';
import { ValidationError } from '../errors.js';
import type { AccountRecord } from '../storage/store.js';
import { CLIENT_COMMANDS } from './client-commands.js';
import {
  command,
  firstLine,
  withFlag,
  optionalText,
  passwordStdin,
  requiredText,
  switchFlag,
  wholeNumber,
  type Command,
} from './flags.js';
import { USER_COMMANDS } from './user-commands.js';

/** "2026-01-31", an ISO date-time, or a look-back such as "90m", "24h", "7d". */
export function parseSince(value: string, now: number): number {
  const ago = /^(\d+)([mhd])$/.exec(value.trim());
  if (ago) return now - Number(ago[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 'm' | 'h' | 'd'];
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(at)) throw new ValidationError('--since must be an ISO date/time or a duration like 24h or 7d');
  return at;
}

/** A command on the account of --email: `act` does the work, then the account's id and `answer` are printed. */
function onAccount(
  usage: string,
  summary: string,
  act: (app: SignetCore, account: AccountRecord) => Promise<unknown>,
  answer: Record<string, unknown>,
): Command {
  return withFlag('email', {
    usage,
    summary,
    async run(app, email) {
      const account = await app.accounts.findByEmail(email);
      await act(app, account);
      return { id: account.id, ...answer };
    },
  });
}

/** The admin CLI of CONTRACT.md. Every command prints one JSON object. */
export const COMMANDS: Record<string, Command> = {
  'user disable': onAccount(
    'user disable --email E',
    'disable an account: it cannot sign in, and its sessions and tokens end at once',
    (app, account) => app.security.disable(account, CLI_OPERATOR),
    { disabled: true },
  ),
  'user enable': onAccount(
    'user enable --email E',
    'enable a disabled account again (it signs in afresh; nothing revoked comes back)',
    (app, account) => app.security.enable(account, CLI_OPERATOR),
    { disabled: false },
  ),
  'user delete': onAccount(
    'user delete --email E',
    'delete an account; its sessions and tokens end at once',
    (app, account) => app.security.delete(account, CLI_OPERATOR),
    { deleted: true },
  ),
  'user set-password': command({
    usage: 'user set-password --email E --password-stdin',
    summary: 'set a new password (first line of stdin); every session and token of the account ends',
    flags: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    input: z.object({ 'password-stdin': passwordStdin, email: requiredText('email') }),
    async run(app, { email }, stdin) {
      const password = await firstLine(stdin);
      const account = await app.accounts.findByEmail(email);
      await app.security.setPassword(account, password, CLI_OPERATOR);
      return { id: account.id, password_changed: true };
    },
  }),
  'grant revoke': command({
    usage: 'grant revoke --user E [--client ID]',
    summary: "revoke a user's grants (all, or one client's): their tokens stop working at once",
    flags: { user: { type: 'string' }, client: { type: 'string' } },
    input: z.object({ user: requiredText('user'), client: optionalText }),
    async run(app, { user, client }) {
      const account = await app.accounts.findByEmail(user);
      const clients = await app.security.revokeApps(account, client, CLI_OPERATOR);
      return { id: account.id, revoked_clients: clients };
    },
  }),
  'audit list': command({
    usage: 'audit list [--user E] [--since T] [--limit N]',
    summary: 'security events, newest first; T is an ISO date/time or a duration such as 24h or 7d',
    flags: { user: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
    input: z.object({
      user: optionalText,
      since: optionalText,
      limit: wholeNumber('limit', { min: 1, max: 10_000 }),
    }),
    async run(app, { user, since, limit }) {
      const accountId = user === undefined ? undefined : (await app.accounts.findByEmail(user)).id;
      const events = await app.audit.list({
        ...(accountId ? { accountId } : {}),
        ...(since !== undefined ? { since: parseSince(since, app.clock()) } : {}),
        limit: limit ?? 100,
      });
      return {
        events: events.map((e) => ({
          id: e.id,
          at: new Date(e.at).toISOString(),
          type: e.type,
          account_id: e.accountId,
          client_id: e.clientId,
          ip: e.ip,
          user_agent: e.userAgent,
          details: e.details,
        })),
      };
    },
  }),
  'keys list': command({
    usage: 'keys list',
    summary: 'signing and cookie keys with their state (next, current, retiring, retired) and dates',
    flags: {},
    input: z.object({}),
    async run(app) {
      return { keys: await app.keyAdmin.list() };
    },
  }),
  'keys rotate': command({
    usage: 'keys rotate [--kind signing|cookie] [--now]',
    summary:
      'publish the next key now, sign with it after KEY_ACTIVATION_DELAY (signing keys with --now: at once, see README), ' +
      'retire the old one once nothing it signed is alive',
    flags: { kind: { type: 'string' }, now: { type: 'boolean' } },
    input: z.object({
      kind: z.enum(['signing', 'cookie'], { error: '--kind must be signing or cookie' }).optional(),
      now: switchFlag,
    }),
    async run(app, { kind, now }) {
      return { rotated: await app.keyAdmin.rotate(kind ?? 'signing', { now }) };
    },
  }),
  'keys rewrap': command({
    usage: 'keys rewrap',
    summary:
      're-encrypt every stored key under KEY_ENCRYPTION_SECRET (the old one given as KEY_ENCRYPTION_SECRET_PREVIOUS)',
    flags: {},
    input: z.object({}),
    async run(app) {
      return { rewrapped: await app.keyAdmin.rewrap() };
    },
  }),
  ...USER_COMMANDS,
  ...CLIENT_COMMANDS,
};
