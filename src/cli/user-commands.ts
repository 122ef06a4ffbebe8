import { AUDIT } from '../audit/audit-log.js';
import { required, type Command } from './flags.js';
import { ValidationError } from '../errors.js';
import type { AccountRecord } from '../storage/store.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/** What an operator sees of an account (its profile too, when it has one): never its password hash. */
function shown(account: AccountRecord) {
  const { id, email, name, disabled, createdAt, updatedAt, passwordHash: _secret, ...more } = account;
  return {
    id,
    email,
    name,
    disabled,
    created_at: new Date(createdAt).toISOString(),
    updated_at: new Date(updatedAt).toISOString(),
    ...more,
  };
}

function pageSize(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > MAX_PAGE)
    throw new ValidationError(`--limit must be a whole number from 1 to ${MAX_PAGE}`);
  return n;
}

/** The admin CLI's account listing, lookup and identity changes (CONTRACT.md's user commands live in commands.ts). */
export const USER_COMMANDS: Record<string, Command> = {
  'user list': {
    usage: 'user list [--search TEXT] [--limit N] [--after CURSOR]',
    summary:
      `accounts in email order, ${DEFAULT_PAGE} a page (--limit up to ${MAX_PAGE}); --search keeps those whose email or name contains TEXT; ` +
      'prints {users, next}: pass next as --after for the following page (null after the last)',
    flags: { search: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } },
    async run(app, flags) {
      const limit = pageSize(flags.limit);
      const search = typeof flags.search === 'string' && flags.search.trim() !== '' ? flags.search.trim() : undefined;
      const after = typeof flags.after === 'string' && flags.after !== '' ? flags.after : undefined;
      // One more than asked tells whether another page follows, without a second query.
      const found = await app.store.accounts.list({
        limit: limit + 1,
        ...(search ? { search } : {}),
        ...(after ? { after } : {}),
      });
      const page = found.slice(0, limit);
      return { users: page.map(shown), next: found.length > limit ? (page.at(-1)?.email ?? null) : null };
    },
  },
  'user show': {
    usage: 'user show --email E',
    summary: "an account's id, email, name, state, dates and profile (never its password)",
    flags: { email: { type: 'string' } },
    async run(app, flags) {
      return shown(await app.accounts.findByEmail(required(flags, 'email')));
    },
  },
  'user update': {
    usage: 'user update --email E [--name N] [--new-email E2]',
    summary:
      'change the display name (--name "" clears it) and/or the sign-in email (normalized like user create; refused when taken). ' +
      'Sessions and tokens stay: the account is the same',
    flags: { email: { type: 'string' }, name: { type: 'string' }, 'new-email': { type: 'string' } },
    async run(app, flags) {
      const name = typeof flags.name === 'string' ? flags.name : undefined;
      const newEmail = typeof flags['new-email'] === 'string' ? flags['new-email'] : undefined;
      if (name === undefined && newEmail === undefined)
        throw new ValidationError('nothing to change: give --name and/or --new-email');
      const account = await app.accounts.findByEmail(required(flags, 'email'));
      const updated = await app.accounts.changeIdentity(account.id, {
        ...(name !== undefined ? { name: name === '' ? null : name } : {}),
        ...(newEmail !== undefined ? { email: newEmail } : {}),
      });
      const fields = [...(updated.email !== account.email ? ['email'] : []), ...(name !== undefined ? ['name'] : [])];
      await app.audit.record(AUDIT.accountUpdated, { accountId: account.id, details: { via: 'cli', fields } });
      return { id: updated.id, email: updated.email, name: updated.name };
    },
  },
};
