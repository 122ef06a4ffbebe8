import { z } from 'zod';
import { CLI_OPERATOR } from '../audit/audit-log.js';
import { ACCESS_TOKEN_FORMATS, CLIENT_TYPES, PKCE_POLICIES } from '../clients/client-types.js';
import { CLIENT_FIELD_FLAGS, clientAdmin } from './client-admin-of.js';
import {
  command,
  withFlag,
  oneOf,
  optionalText,
  pairs,
  repeated,
  requiredText,
  switchFlag,
  type Command,
} from './flags.js';
import { IAT_COMMANDS } from './iat-commands.js';

/** The flags of the fields ClientAdmin names in its refusals, with the API's own second-factor scopes. */

// Every command here works through ClientAdmin, which stands on oidc-provider: its modules are imported
// by the command that runs (with app.oidc()), not by every CLI call that loads this table.

const createInput = z
  .object({
    name: requiredText('name'),
    type: oneOf('type', CLIENT_TYPES),
    'redirect-uri': repeated,
    'post-logout-redirect-uri': repeated,
    public: switchFlag,
    pkce: oneOf('pkce', PKCE_POLICIES),
    'require-mfa': switchFlag,
    'require-passkey': switchFlag,
    scope: optionalText,
    'mfa-scope': optionalText,
    resource: optionalText,
    'access-token-format': z
      .enum(ACCESS_TOKEN_FORMATS, { error: '--access-token-format must be opaque or jwt' })
      .optional(),
    'scope-description': pairs('scope-description'),
    'token-endpoint-auth-method': optionalText,
    'jwks-uri': optionalText,
    'backchannel-logout-uri': optionalText,
  })
  .transform((f) => ({
    name: f.name,
    type: f.type ?? 'web',
    redirectUris: f['redirect-uri'],
    postLogoutRedirectUris: f['post-logout-redirect-uri'],
    public: f.public,
    pkce: f.pkce,
    requireMfa: f['require-mfa'],
    requirePasskey: f['require-passkey'],
    scope: f.scope,
    mfaScopes: f['mfa-scope'],
    resource: f.resource,
    accessTokenFormat: f['access-token-format'],
    scopeDescriptions: f['scope-description'],
    tokenEndpointAuthMethod: f['token-endpoint-auth-method'],
    jwksUri: f['jwks-uri'],
    backchannelLogoutUri: f['backchannel-logout-uri'],
  }));

const updateInput = z
  .object({
    'client-id': requiredText('client-id'),
    name: optionalText,
    // Given or not matters: a given list replaces the stored one.
    'redirect-uri': z.array(z.string()).optional(),
    'post-logout-redirect-uri': z.array(z.string()).optional(),
    scope: optionalText,
    // An empty text clears it: no scope of the API needs a second factor any more.
    'mfa-scope': optionalText,
    'scope-description': pairs('scope-description'),
    pkce: oneOf('pkce', PKCE_POLICIES),
    'require-mfa': oneOf('require-mfa', ['true', 'false']),
    'require-passkey': oneOf('require-passkey', ['true', 'false']),
  })
  .transform((f) => ({
    clientId: f['client-id'],
    changes: {
      name: f.name,
      redirectUris: f['redirect-uri'],
      postLogoutRedirectUris: f['post-logout-redirect-uri'],
      scope: f.scope,
      mfaScopes: f['mfa-scope'],
      scopeDescriptions: f['scope-description'],
      pkce: f.pkce,
      requireMfa: f['require-mfa'] === undefined ? undefined : f['require-mfa'] === 'true',
      requirePasskey: f['require-passkey'] === undefined ? undefined : f['require-passkey'] === 'true',
    },
  }));

/** The admin CLI's client commands (and, from iat-commands.ts, the initial-access-token ones). */
export const CLIENT_COMMANDS: Record<string, Command> = {
  'client create': command({
    usage:
      'client create --name N [--type web|native|service|resource-server] [--redirect-uri U ...] [--post-logout-redirect-uri U ...] ' +
      '[--public] [--pkce required|optional] [--require-mfa] [--require-passkey] [--scope "S1 S2"] [--mfa-scope "S1"] [--resource URI] [--access-token-format opaque|jwt] [--scope-description "S1=what it allows" ...] ' +
      '[--token-endpoint-auth-method client_secret_basic|client_secret_post|private_key_jwt|none] [--jwks-uri U] [--backchannel-logout-uri U]',
    summary:
      'register a client; prints its client_id and (unless public) its client_secret, shown once. web (default): code + PKCE, ' +
      '--public for no secret, --pkce optional lets a confidential one leave out PKCE (audited; see README), --require-mfa makes every sign-in to it show a second factor, --require-passkey a passkey; native: an app (public, PKCE, loopback or private-use redirects); service: client_credentials ' +
      'only, --scope lists the resource scopes it may ask for; resource-server: an API that may only introspect tokens, ' +
      '--resource is its URI (and client_id), --scope the scopes it offers, --mfa-scope those of them a token carries only ' +
      'after a sign-in with a second factor (never for a service client), --scope-description what each allows (shown on consent ' +
      'pages), --access-token-format jwt opts in to JWT access tokens; --token-endpoint-auth-method picks how the client authenticates ' +
      '(private_key_jwt with --jwks-uri gets no secret), --backchannel-logout-uri where a web or native client hears of logouts',
    flags: {
      name: { type: 'string' },
      type: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      pkce: { type: 'string' },
      'require-mfa': { type: 'boolean' },
      'require-passkey': { type: 'boolean' },
      scope: { type: 'string' },
      'mfa-scope': { type: 'string' },
      resource: { type: 'string' },
      'access-token-format': { type: 'string' },
      'scope-description': { type: 'string', multiple: true },
      'token-endpoint-auth-method': { type: 'string' },
      'jwks-uri': { type: 'string' },
      'backchannel-logout-uri': { type: 'string' },
    },
    input: createInput,
    fieldFlags: CLIENT_FIELD_FLAGS,
    async run(app, input) {
      return (await clientAdmin(app)).create(input, CLI_OPERATOR);
    },
  }),
  'client list': command({
    usage: 'client list',
    summary: 'list registered clients',
    flags: {},
    input: z.object({}),
    async run(app) {
      return { clients: await (await app.oidc()).clients.list() };
    },
  }),
  'client show': withFlag('client-id', {
    usage: 'client show --client-id ID',
    summary: "a client's metadata (never its secret)",
    async run(app, id) {
      return (await app.oidc()).clients.show(id);
    },
  }),
  'client update': command({
    usage:
      'client update --client-id ID [--name N] [--redirect-uri U ...] [--post-logout-redirect-uri U ...] [--scope "S1 S2"] ' +
      '[--mfa-scope "S1 ..."] [--scope-description "S1=what it allows" ...] [--pkce required|optional] [--require-mfa true|false] [--require-passkey true|false]',
    summary:
      'replace the given fields (all redirect URIs at once; --scope for service and resource-server clients; --mfa-scope for ' +
      'resource servers, "" for none; --pkce optional ' +
      'for confidential web clients only, audited; --require-mfa and --require-passkey for web and native clients); checked like a new client',
    flags: {
      'client-id': { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
      'mfa-scope': { type: 'string' },
      'scope-description': { type: 'string', multiple: true },
      pkce: { type: 'string' },
      'require-mfa': { type: 'string' },
      'require-passkey': { type: 'string' },
    },
    input: updateInput,
    fieldFlags: CLIENT_FIELD_FLAGS,
    async run(app, { clientId: id, changes }) {
      return (await clientAdmin(app)).update(id, changes, CLI_OPERATOR);
    },
  }),
  'client rotate-secret': withFlag('client-id', {
    usage: 'client rotate-secret --client-id ID',
    summary: 'give a confidential client a new secret, shown once; the old one stops working at once',
    async run(app, id) {
      return (await clientAdmin(app)).rotateSecret(id, CLI_OPERATOR);
    },
  }),
  'client delete': withFlag('client-id', {
    usage: 'client delete --client-id ID',
    summary: 'delete a client; its tokens stop working at once',
    async run(app, id) {
      await (await clientAdmin(app)).delete(id, CLI_OPERATOR);
      return { client_id: id, deleted: true };
    },
  }),
  ...IAT_COMMANDS,
};
