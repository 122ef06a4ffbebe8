import { z } from 'zod';
import { CLI_OPERATOR } from '../audit/audit-log.js';
import { ValidationError } from '../errors.js';
import type { AccountRecord } from '../storage/store.js';
import { command, optionalText, requiredText, wholeNumber, withFlag, type Command } from './flags.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

function withoutPassword(account: AccountRecord): Omit<AccountRecord, 'passwordHash'> {
  const copy: Partial<AccountRecord> = { ...account };
  delete copy.passwordHash;
  return copy as Omit<AccountRecord, 'passwordHash'>;
}

/** What an operator sees of an account (its profile too, when it has one): never its password hash. */
function shown(account: AccountRecord) {
  const { id, email, name, disabled, createdAt, updatedAt, ...more } = withoutPassword(account);
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

/** Blank counts as not given. */
const nonBlank = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);

/** The admin CLI's account listing, lookup and identity changes (CONTRACT.md's user commands live in commands.ts). */
export const USER_COMMANDS: Record<string, Command> = {
  'user list': command({
    usage: 'user list [--search TEXT] [--limit N] [--after CURSOR]',
    summary:
      `accounts in email order, ${DEFAULT_PAGE} a page (--limit up to ${MAX_PAGE}); --search keeps those whose email or name contains TEXT; ` +
      'prints {users, next}: pass next as --after for the following page (null after the last)',
    flags: { search: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } },
    input: z.object({
      search: optionalText.transform((value) => nonBlank(value)?.trim()),
      limit: wholeNumber('limit', { min: 1, max: MAX_PAGE }).transform((n) => n ?? DEFAULT_PAGE),
      after: optionalText.transform((value) => (value === '' ? undefined : value)),
    }),
    async run(app, { search, limit, after }) {
      // One more than asked tells whether another page follows, without a second query.
      const found = await app.store.accounts.list({
        limit: limit + 1,
        ...(search ? { search } : {}),
        ...(after ? { after } : {}),
      });
      const page = found.slice(0, limit);
      return { users: page.map(shown), next: found.length > limit ? (page.at(-1)?.email ?? null) : null };
    },
  }),
  'user show': withFlag('email', {
    usage: 'user show --email E',
    summary: "an account's id, email, name, state, dates and profile (never its password)",
    async run(app, email) {
      return shown(await app.accounts.findByEmail(email));
    },
  }),
  'user update': command({
    usage: 'user update --email E [--name N] [--new-email E2]',
    summary:
      'change the display name (--name "" clears it) and/or the sign-in email (normalized like user create; refused when taken). ' +
      'Sessions and tokens stay: the account is the same',
    flags: { email: { type: 'string' }, name: { type: 'string' }, 'new-email': { type: 'string' } },
    input: z.object({ email: requiredText('email'), name: optionalText, 'new-email': optionalText }),
    async run(app, { email, name, 'new-email': newEmail }) {
      if (name === undefined && newEmail === undefined)
        throw new ValidationError('nothing to change: give --name and/or --new-email');
      const account = await app.accounts.findByEmail(email);
      const updated = await app.security.changeIdentity(
        account,
        {
          ...(name !== undefined ? { name: name === '' ? null : name } : {}),
          ...(newEmail !== undefined ? { email: newEmail } : {}),
        },
        CLI_OPERATOR,
      );
      return { id: updated.id, email: updated.email, name: updated.name };
    },
  }),
};
