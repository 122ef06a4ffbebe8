import type { SignetApp } from './app.js';
import { ValidationError } from './errors.js';

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
      if (flags['password-stdin'] !== true) throw new ValidationError('--password-stdin is required (passwords never go in arguments)');
      const password = (await stdin()).split(/\r?\n/)[0] ?? '';
      const name = typeof flags.name === 'string' ? flags.name : undefined;
      const account = await app.accounts.create({ email: required(flags, 'email'), password, ...(name ? { name } : {}) });
      return { id: account.id, email: account.email };
    },
  },
  'user disable': {
    usage: 'user disable --email E',
    summary: 'disable an account: it can no longer sign in',
    flags: { email: { type: 'string' } },
    async run(app, flags) {
      const account = await app.accounts.setDisabled(required(flags, 'email'), true);
      return { id: account.id, disabled: true };
    },
  },
  'user enable': {
    usage: 'user enable --email E',
    summary: 'enable a disabled account again',
    flags: { email: { type: 'string' } },
    async run(app, flags) {
      const account = await app.accounts.setDisabled(required(flags, 'email'), false);
      return { id: account.id, disabled: false };
    },
  },
  'client create': {
    usage: 'client create --name N --redirect-uri U [--redirect-uri U2 ...] [--post-logout-redirect-uri U] [--public]',
    summary: 'register a relying party; prints its client_id and (unless --public) its client_secret, shown once',
    flags: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
    },
    async run(app, flags) {
      return app.clients.create({
        name: required(flags, 'name'),
        redirectUris: list(flags, 'redirect-uri'),
        postLogoutRedirectUris: list(flags, 'post-logout-redirect-uri'),
        public: flags.public === true,
      });
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
  'client delete': {
    usage: 'client delete --client-id ID',
    summary: 'delete a client; its tokens stop working at once',
    flags: { 'client-id': { type: 'string' } },
    async run(app, flags) {
      const clientId = required(flags, 'client-id');
      await app.clients.delete(clientId);
      return { client_id: clientId, deleted: true };
    },
  },
};
