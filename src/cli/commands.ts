import { AUDIT } from '../audit/audit-log.js';
import type { Actor } from '../accounts/account-security.js';
import { ValidationError } from '../errors.js';
import { CLIENT_COMMANDS } from './client-commands.js';
import { USER_COMMANDS } from './user-commands.js';
import { required, type Command, type Flags } from './flags.js';

const CLI_ACTOR: Actor = { via: 'cli' };

async function passwordFromStdin(flags: Flags, stdin: () => Promise<string>): Promise<string> {
  if (flags['password-stdin'] !== true)
    throw new ValidationError('--password-stdin is required (passwords never go in arguments)');
  return (await stdin()).split(/\r?\n/)[0] ?? '';
}

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

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new ValidationError('--limit must be a whole number from 1 to 10000');
  return n;
}

/** The admin CLI of CONTRACT.md. Every command prints one JSON object. */
export const COMMANDS: Record<string, Command> = {
  'user create': {
    usage: 'user create --email E --password-stdin [--name N]',
    summary: 'create an account; the password is the first line of stdin',
    flags: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, name: { type: 'string' } },
    async run(app, flags, stdin) {
      const password = await passwordFromStdin(flags, stdin);
      const name = typeof flags.name === 'string' ? flags.name : undefined;
      const account = await app.accounts.create({
        email: required(flags, 'email'),
        password,
        ...(name ? { name } : {}),
      });
      await app.audit.record(AUDIT.accountCreated, { accountId: account.id, details: { via: 'cli' } });
      return { id: account.id, email: account.email };
    },
  },
  'user disable': {
    usage: 'user disable --email E',
    summary: 'disable an account: it cannot sign in, and its sessions and tokens end at once',
    flags: { email: { type: 'string' } },
    async run(app, flags) {
      const account = await app.accounts.findByEmail(required(flags, 'email'));
      await app.security.disable(account, CLI_ACTOR);
      return { id: account.id, disabled: true };
    },
  },
  'user enable': {
    usage: 'user enable --email E',
    summary: 'enable a disabled account again (it signs in afresh; nothing revoked comes back)',
    flags: { email: { type: 'string' } },
    async run(app, flags) {
      const account = await app.accounts.findByEmail(required(flags, 'email'));
      await app.security.enable(account, CLI_ACTOR);
      return { id: account.id, disabled: false };
    },
  },
  'user delete': {
    usage: 'user delete --email E',
    summary: 'delete an account; its sessions and tokens end at once',
    flags: { email: { type: 'string' } },
    async run(app, flags) {
      const account = await app.accounts.findByEmail(required(flags, 'email'));
      await app.security.delete(account, CLI_ACTOR);
      return { id: account.id, deleted: true };
    },
  },
  'user set-password': {
    usage: 'user set-password --email E --password-stdin',
    summary: 'set a new password (first line of stdin); every session and token of the account ends',
    flags: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run(app, flags, stdin) {
      const password = await passwordFromStdin(flags, stdin);
      const account = await app.accounts.findByEmail(required(flags, 'email'));
      await app.security.setPassword(account, password, CLI_ACTOR);
      return { id: account.id, password_changed: true };
    },
  },
  'grant revoke': {
    usage: 'grant revoke --user E [--client ID]',
    summary: "revoke a user's grants (all, or one client's): their tokens stop working at once",
    flags: { user: { type: 'string' }, client: { type: 'string' } },
    async run(app, flags) {
      const account = await app.accounts.findByEmail(required(flags, 'user'));
      const clientId = typeof flags.client === 'string' ? flags.client : undefined;
      const clients = await app.security.revokeApps(account, clientId, CLI_ACTOR);
      return { id: account.id, revoked_clients: clients };
    },
  },
  'audit list': {
    usage: 'audit list [--user E] [--since T] [--limit N]',
    summary: 'security events, newest first; T is an ISO date/time or a duration such as 24h or 7d',
    flags: { user: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
    async run(app, flags) {
      const accountId = typeof flags.user === 'string' ? (await app.accounts.findByEmail(flags.user)).id : undefined;
      const since = typeof flags.since === 'string' ? parseSince(flags.since, Date.now()) : undefined;
      const limit = typeof flags.limit === 'string' ? parseLimit(flags.limit) : 100;
      const events = await app.audit.list({
        ...(accountId ? { accountId } : {}),
        ...(since !== undefined ? { since } : {}),
        limit,
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
  },
  'keys list': {
    usage: 'keys list',
    summary: 'signing and cookie keys with their state (next, current, retiring, retired) and dates',
    flags: {},
    async run(app) {
      return { keys: await app.keyAdmin.list() };
    },
  },
  'keys rotate': {
    usage: 'keys rotate [--kind signing|cookie] [--now]',
    summary:
      'publish the next key now, sign with it after KEY_ACTIVATION_DELAY (signing keys with --now: at once, see README), ' +
      'retire the old one once nothing it signed is alive',
    flags: { kind: { type: 'string' }, now: { type: 'boolean' } },
    async run(app, flags) {
      const kind = flags.kind ?? 'signing';
      if (kind !== 'signing' && kind !== 'cookie') throw new ValidationError('--kind must be signing or cookie');
      return { rotated: await app.keyAdmin.rotate(kind, { now: flags.now === true }) };
    },
  },
  'keys rewrap': {
    usage: 'keys rewrap',
    summary:
      're-encrypt every stored key under KEY_ENCRYPTION_SECRET (the old one given as KEY_ENCRYPTION_SECRET_PREVIOUS)',
    flags: {},
    async run(app) {
      return { rewrapped: await app.keyAdmin.rewrap() };
    },
  },
  ...USER_COMMANDS,
  ...CLIENT_COMMANDS,
};
