import type { SignetApp } from './app.js';
import { AUDIT } from './audit/audit-log.js';
import type { Actor } from './oidc/account-security.js';
import { ValidationError } from './errors.js';
import { CLIENT_TYPES, type ClientType } from './oidc/client-admin.js';

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

function required(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`--${name} is required`);
  return value;
}

const CLI_ACTOR: Actor = { via: 'cli' };

async function passwordFromStdin(flags: Flags, stdin: () => Promise<string>): Promise<string> {
  if (flags['password-stdin'] !== true) throw new ValidationError('--password-stdin is required (passwords never go in arguments)');
  return (await stdin()).split(/\r?\n/)[0] ?? '';
}

/** "2026-01-31", an ISO date-time, or a look-back such as "90m", "24h", "7d". */
export function parseSince(value: string, now: number): number {
  const ago = /^(\d+)([mhd])$/.exec(value.trim());
  if (ago) return now - Number(ago[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 'm' | 'h' | 'd'];
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim()) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new ValidationError('--since must be an ISO date/time or a duration like 24h or 7d');
  return at;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new ValidationError('--limit must be a whole number from 1 to 10000');
  return n;
}

function wholeNumber(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ValidationError(`${name} must be a whole number`);
  return Number(value);
}

function list(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
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
      const account = await app.accounts.create({ email: required(flags, 'email'), password, ...(name ? { name } : {}) });
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
      const events = await app.audit.list({ ...(accountId ? { accountId } : {}), ...(since !== undefined ? { since } : {}), limit });
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
    usage: 'keys rotate [--kind signing|cookie]',
    summary: 'publish the next key now, sign with it after KEY_ACTIVATION_DELAY, retire the old one once nothing it signed is alive',
    flags: { kind: { type: 'string' } },
    async run(app, flags) {
      const kind = flags.kind ?? 'signing';
      if (kind !== 'signing' && kind !== 'cookie') throw new ValidationError('--kind must be signing or cookie');
      return { rotated: await app.keyAdmin.rotate(kind) };
    },
  },
  'keys rewrap': {
    usage: 'keys rewrap',
    summary: 're-encrypt every stored key under KEY_ENCRYPTION_SECRET (the old one given as KEY_ENCRYPTION_SECRET_PREVIOUS)',
    flags: {},
    async run(app) {
      return { rewrapped: await app.keyAdmin.rewrap() };
    },
  },
  'client create': {
    usage:
      'client create --name N [--type web|native|service|resource-server] [--redirect-uri U ...] [--post-logout-redirect-uri U ...] ' +
      '[--public] [--scope "S1 S2"] [--resource URI] [--access-token-format opaque|jwt]',
    summary:
      'register a client; prints its client_id and (unless public) its client_secret, shown once. web (default): code + PKCE, ' +
      '--public for no secret; native: an app (public, PKCE, loopback or private-use redirects); service: client_credentials ' +
      'only, --scope lists the resource scopes it may ask for; resource-server: an API that may only introspect tokens, ' +
      '--resource is its URI (and client_id), --scope the scopes it offers, --access-token-format jwt opts in to JWT access tokens',
    flags: {
      name: { type: 'string' },
      type: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      scope: { type: 'string' },
      resource: { type: 'string' },
      'access-token-format': { type: 'string' },
    },
    async run(app, flags) {
      const type = flags.type ?? 'web';
      if (!(CLIENT_TYPES as readonly unknown[]).includes(type)) throw new ValidationError(`--type must be one of ${CLIENT_TYPES.join(', ')}`);
      const format = flags['access-token-format'];
      if (format !== undefined && format !== 'opaque' && format !== 'jwt') throw new ValidationError('--access-token-format must be opaque or jwt');
      const created = await app.clients.create({
        name: required(flags, 'name'),
        type: type as ClientType,
        redirectUris: list(flags, 'redirect-uri'),
        postLogoutRedirectUris: list(flags, 'post-logout-redirect-uri'),
        public: flags.public === true,
        ...(typeof flags.scope === 'string' ? { scope: flags.scope } : {}),
        ...(typeof flags.resource === 'string' ? { resource: flags.resource } : {}),
        ...(format !== undefined ? { accessTokenFormat: format } : {}),
      });
      await app.audit.record(AUDIT.clientRegistered, { clientId: created.client_id, details: { via: 'cli', type } });
      return created;
    },
  },
  'client list': {
    usage: 'client list',
    summary: 'list registered clients',
    flags: {},
    async run(app) {
      return { clients: await app.clients.list() };
    },
  },
  'client show': {
    usage: 'client show --client-id ID',
    summary: "a client's metadata (never its secret)",
    flags: { 'client-id': { type: 'string' } },
    async run(app, flags) {
      return app.clients.show(required(flags, 'client-id'));
    },
  },
  'client update': {
    usage: 'client update --client-id ID [--name N] [--redirect-uri U ...] [--post-logout-redirect-uri U ...] [--scope "S1 S2"]',
    summary: 'replace the given fields (all redirect URIs at once; --scope for service and resource-server clients); checked like a new client',
    flags: {
      'client-id': { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
    },
    async run(app, flags) {
      const clientId = required(flags, 'client-id');
      const result = await app.clients.update(clientId, {
        ...(typeof flags.name === 'string' ? { name: flags.name } : {}),
        ...(flags['redirect-uri'] !== undefined ? { redirectUris: list(flags, 'redirect-uri') } : {}),
        ...(flags['post-logout-redirect-uri'] !== undefined ? { postLogoutRedirectUris: list(flags, 'post-logout-redirect-uri') } : {}),
        ...(typeof flags.scope === 'string' ? { scope: flags.scope } : {}),
      });
      await app.audit.record(AUDIT.clientUpdated, { clientId, details: { via: 'cli', fields: result.updated } });
      return result;
    },
  },
  'client rotate-secret': {
    usage: 'client rotate-secret --client-id ID',
    summary: 'give a confidential client a new secret, shown once; the old one stops working at once',
    flags: { 'client-id': { type: 'string' } },
    async run(app, flags) {
      const clientId = required(flags, 'client-id');
      const rotated = await app.clients.rotateSecret(clientId);
      await app.audit.record(AUDIT.clientUpdated, { clientId, details: { via: 'cli', fields: ['client_secret'] } });
      return rotated;
    },
  },
  'client delete': {
    usage: 'client delete --client-id ID',
    summary: 'delete a client; its tokens stop working at once',
    flags: { 'client-id': { type: 'string' } },
    async run(app, flags) {
      const clientId = required(flags, 'client-id');
      await app.clients.delete(clientId);
      await app.audit.record(AUDIT.clientDeleted, { clientId, details: { via: 'cli' } });
      return { client_id: clientId, deleted: true };
    },
  },
  'iat create': {
    usage: 'iat create [--expires-in SECONDS] [--max-uses N]',
    summary: 'issue an initial access token for dynamic registration at /reg (RFC 7591), shown once; the store keeps only its hash',
    flags: { 'expires-in': { type: 'string' }, 'max-uses': { type: 'string' } },
    async run(app, flags) {
      const expiresIn = typeof flags['expires-in'] === 'string' ? wholeNumber(flags['expires-in'], '--expires-in') : undefined;
      const maxUses = typeof flags['max-uses'] === 'string' ? wholeNumber(flags['max-uses'], '--max-uses') : undefined;
      const issued = await app.clients.initialAccessTokens.create({
        ...(expiresIn !== undefined ? { expiresIn } : {}),
        ...(maxUses !== undefined ? { maxUses } : {}),
      });
      await app.audit.record(AUDIT.initialAccessTokenIssued, {
        details: { via: 'cli', id: issued.id, expires_at: issued.expires_at, max_uses: issued.max_uses },
      });
      return issued;
    },
  },
  'iat list': {
    usage: 'iat list',
    summary: 'initial access tokens still valid: id (a hash, not the token), dates, uses left',
    flags: {},
    async run(app) {
      return { initial_access_tokens: await app.clients.initialAccessTokens.list() };
    },
  },
  'iat revoke': {
    usage: 'iat revoke --id ID',
    summary: 'revoke an initial access token by the id create and list show',
    flags: { id: { type: 'string' } },
    async run(app, flags) {
      const id = required(flags, 'id');
      await app.clients.initialAccessTokens.revoke(id);
      await app.audit.record(AUDIT.initialAccessTokenRevoked, { details: { via: 'cli', id } });
      return { id, revoked: true };
    },
  },
};
