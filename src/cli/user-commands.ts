import { z } from 'zod';
import { emailFingerprint } from '../accounts/email.js';
import { actedBy, AUDIT, CLI_OPERATOR } from '../audit/audit-log.js';
import { isLanguage, LANGUAGES } from '../i18n/translator.js';
import { ValidationError } from '../errors.js';
import type { AccountRecord } from '../storage/store.js';
import type { SignetCore } from '../app-types.js';
import {
  command,
  firstLine,
  oneOf,
  optionalText,
  passwordStdin,
  requiredText,
  switchFlag,
  wholeNumber,
  withFlag,
  type Command,
} from './flags.js';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

function withoutPassword(account: AccountRecord): Omit<AccountRecord, 'passwordHash'> {
  const copy: Partial<AccountRecord> = { ...account };
  delete copy.passwordHash;
  return copy as Omit<AccountRecord, 'passwordHash'>;
}

/** What an operator sees of an account (its profile too, when it has one): never its password hash. */
function shown(account: AccountRecord) {
  const { id, email, name, disabled, emailVerified, createdAt, updatedAt, ...more } = withoutPassword(account);
  return {
    id,
    email,
    email_verified: emailVerified,
    name,
    disabled,
    created_at: new Date(createdAt).toISOString(),
    updated_at: new Date(updatedAt).toISOString(),
    ...more,
  };
}

/** `--email-verified true|false`, as a boolean; not given: undefined. */
const verifiedFlag = oneOf('email-verified', ['true', 'false']).transform((value) =>
  value === undefined ? undefined : value === 'true',
);

/** Blank counts as not given. */
const nonBlank = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);

/**
 * The account's second factors as the CLI changes them, and the mail each change queues: sent from here
 * when nothing else is running (a running server's sender takes it otherwise).
 */
async function factorsOf(app: SignetCore) {
  const [{ Factors }, { Throttle }, { codeMail }, { createTranslator }, { service: mail }] = await Promise.all([
    import('../factors/factors.js'),
    import('../throttle/throttle.js'),
    import('../verification/code-mails.js'),
    import('../i18n/translator.js'),
    app.mail(),
  ]);
  const queued: string[] = [];
  const translator = createTranslator();
  const factors = new Factors({
    records: app.store.oidc,
    sealer: app.sealer,
    pepper: app.keys.pepper,
    clock: app.clock,
    audit: app.audit,
    throttle: new Throttle(app.store.throttle, app.clock),
    issuer: app.config.issuer,
    async notify(account, kind, lang) {
      const { id } = await mail.enqueue(
        codeMail(translator, { kind, to: account.email, lang, issuer: app.config.issuer }),
      );
      queued.push(id);
    },
  });
  const sent = async () => {
    const states = [];
    for (const id of queued) states.push({ id, state: (await mail.deliverNow(id))?.state ?? 'pending' });
    return states;
  };
  return { factors, sent };
}

/**
 * The admin CLI's account creation, listing, lookup and identity changes (CONTRACT.md's other user commands
 * live in commands.ts; this `user create` replaces the one there, which COMMANDS spreads these over).
 */
export const USER_COMMANDS: Record<string, Command> = {
  'user create': command({
    usage: 'user create --email E --password-stdin [--name N] [--email-verified]',
    summary:
      'create an account; the password is the first line of stdin. --email-verified: you vouch that the address ' +
      "is the person's (released as email_verified: true); without it the address counts as unverified",
    flags: {
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      'email-verified': { type: 'boolean' },
    },
    input: z.object({
      'password-stdin': passwordStdin,
      email: requiredText('email'),
      name: optionalText,
      'email-verified': switchFlag,
    }),
    async run(app, { email, name, 'email-verified': emailVerified }, stdin) {
      const password = await firstLine(stdin);
      const input = { email, password, emailVerified, ...(name ? { name } : {}) };
      const account = await app.security.create(input, CLI_OPERATOR);
      return { id: account.id, email: account.email };
    },
  }),
  'user invite': command({
    usage: 'user invite --email E [--lang en|ko]',
    summary:
      'invite E to create an account (SIGNUP=invite: only invited addresses may sign up; a week to do it): ' +
      'the invitation is stored and a mail in --lang (default en) tells E where to go',
    flags: { email: { type: 'string' }, lang: { type: 'string' } },
    input: z.object({ email: requiredText('email'), lang: oneOf('lang', LANGUAGES) }),
    async run(app, { email, lang }) {
      if (app.config.signup === 'closed')
        throw new ValidationError('sign-up is closed (SIGNUP=closed): set SIGNUP=invite (or open) first');
      const [{ Invitations }, { codeMail }, { createTranslator }, { service: mail }] = await Promise.all([
        import('../self-service/invitations.js'),
        import('../verification/code-mails.js'),
        import('../i18n/translator.js'),
        app.mail(),
      ]);
      const invited = await new Invitations(app.store.oidc).invite(email);
      const request = codeMail(createTranslator(), {
        kind: 'invitation',
        to: invited,
        lang: lang ?? 'en',
        issuer: app.config.issuer,
      });
      const { id } = await mail.enqueue(request);
      await app.audit.record(AUDIT.accountInvited, {
        ...actedBy(CLI_OPERATOR, {}, { email_sha256: emailFingerprint(invited) }),
      });
      // Sent from here when nothing else is running; a running server's sender takes it otherwise.
      const record = await mail.deliverNow(id);
      return { email: invited, mail: { id, state: record?.state ?? 'pending' } };
    },
  }),
  'user mfa reset': withFlag('email', {
    usage: 'user mfa reset --email E',
    summary:
      'turn two-step verification off for a person who lost their phone and recovery codes: every authenticator ' +
      'app and recovery code of the account is removed (audited, and mailed to the account); the password alone ' +
      'signs in again. Make sure first that it is really them asking',
    async run(app, email) {
      const account = await app.accounts.findByEmail(email);
      const { factors, sent } = await factorsOf(app);
      const locale = account.profile?.locale;
      const removed = await factors.removeAll(account, { ...CLI_OPERATOR, lang: isLanguage(locale) ? locale : 'en' });
      return { id: account.id, factors_removed: removed, mail: await sent() };
    },
  }),
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
    summary: "an account's id, email (and whether it is verified), name, state, dates and profile (never its password)",
    async run(app, email) {
      return shown(await app.accounts.findByEmail(email));
    },
  }),
  'user update': command({
    usage: 'user update --email E [--name N] [--new-email E2] [--email-verified true|false]',
    summary:
      'change the display name (--name "" clears it), the sign-in email (normalized like user create; refused when taken) ' +
      'and/or whether the address is verified; a new email is unverified unless --email-verified true comes with it. ' +
      'Sessions and tokens stay: the account is the same',
    flags: {
      email: { type: 'string' },
      name: { type: 'string' },
      'new-email': { type: 'string' },
      'email-verified': { type: 'string' },
    },
    input: z.object({
      email: requiredText('email'),
      name: optionalText,
      'new-email': optionalText,
      'email-verified': verifiedFlag,
    }),
    async run(app, { email, name, 'new-email': newEmail, 'email-verified': emailVerified }) {
      if (name === undefined && newEmail === undefined && emailVerified === undefined)
        throw new ValidationError('nothing to change: give --name, --new-email and/or --email-verified');
      const account = await app.accounts.findByEmail(email);
      const updated = await app.security.changeIdentity(
        account,
        {
          ...(name !== undefined ? { name: name === '' ? null : name } : {}),
          ...(newEmail !== undefined ? { email: newEmail } : {}),
          ...(emailVerified !== undefined ? { emailVerified } : {}),
        },
        CLI_OPERATOR,
      );
      return { id: updated.id, email: updated.email, email_verified: updated.emailVerified, name: updated.name };
    },
  }),
};
