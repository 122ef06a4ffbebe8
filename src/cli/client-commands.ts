import { AUDIT } from '../audit/audit-log.js';
import { list, pairs, required, wholeNumber, type Command } from './flags.js';
import { ValidationError } from '../errors.js';
import type { ClientType } from '../clients/client-admin.js';
import type { PkcePolicy } from '../clients/client-metadata.js';

// Every command here works through ClientAdmin, which stands on oidc-provider: its modules are imported
// by the command that runs (with app.oidc()), not by every CLI call that loads this table.

/** --pkce as given, or undefined; anything but required or optional is refused here. */
async function pkceFlag(flags: Record<string, unknown>): Promise<PkcePolicy | undefined> {
  const value = flags.pkce;
  if (value === undefined) return undefined;
  const { PKCE_POLICIES } = await import('../clients/client-metadata.js');
  if (!(PKCE_POLICIES as readonly unknown[]).includes(value))
    throw new ValidationError(`--pkce must be one of ${PKCE_POLICIES.join(', ')}`);
  return value as PkcePolicy;
}

const text = (flags: Record<string, unknown>, name: string): string | undefined =>
  typeof flags[name] === 'string' ? flags[name] : undefined;

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** A token is worth issuing only when registration exists and requires one (the default). */
function refuseWithoutTokenRegistration(registration: { enabled: boolean; requireToken: boolean }): void {
  if (!registration.enabled) {
    throw new ValidationError(
      'registration is closed (REGISTRATION=closed): /reg does not exist, so a token would open nothing; unset REGISTRATION to register clients with tokens',
    );
  }
  if (!registration.requireToken) {
    throw new ValidationError(
      'registration is open (REGISTRATION=open): anyone may register without a token, so a token would mean nothing; unset REGISTRATION to require one',
    );
  }
}

/** The admin CLI's client and initial-access-token commands. */
export const CLIENT_COMMANDS: Record<string, Command> = {
  'client create': {
    usage:
      'client create --name N [--type web|native|service|resource-server] [--redirect-uri U ...] [--post-logout-redirect-uri U ...] ' +
      '[--public] [--pkce required|optional] [--scope "S1 S2"] [--resource URI] [--access-token-format opaque|jwt] [--scope-description "S1=what it allows" ...] ' +
      '[--token-endpoint-auth-method client_secret_basic|client_secret_post|private_key_jwt|none] [--jwks-uri U] [--backchannel-logout-uri U]',
    summary:
      'register a client; prints its client_id and (unless public) its client_secret, shown once. web (default): code + PKCE, ' +
      '--public for no secret, --pkce optional lets a confidential one leave out PKCE (audited; see README); native: an app (public, PKCE, loopback or private-use redirects); service: client_credentials ' +
      'only, --scope lists the resource scopes it may ask for; resource-server: an API that may only introspect tokens, ' +
      '--resource is its URI (and client_id), --scope the scopes it offers, --scope-description what each allows (shown on consent ' +
      'pages), --access-token-format jwt opts in to JWT access tokens; --token-endpoint-auth-method picks how the client authenticates ' +
      '(private_key_jwt with --jwks-uri gets no secret), --backchannel-logout-uri where a web or native client hears of logouts',
    flags: {
      name: { type: 'string' },
      type: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      pkce: { type: 'string' },
      scope: { type: 'string' },
      resource: { type: 'string' },
      'access-token-format': { type: 'string' },
      'scope-description': { type: 'string', multiple: true },
      'token-endpoint-auth-method': { type: 'string' },
      'jwks-uri': { type: 'string' },
      'backchannel-logout-uri': { type: 'string' },
    },
    async run(app, flags) {
      const { CLIENT_TYPES } = await import('../clients/client-admin.js');
      const type = flags.type ?? 'web';
      if (!(CLIENT_TYPES as readonly unknown[]).includes(type))
        throw new ValidationError(`--type must be one of ${CLIENT_TYPES.join(', ')}`);
      const format = flags['access-token-format'];
      if (format !== undefined && format !== 'opaque' && format !== 'jwt')
        throw new ValidationError('--access-token-format must be opaque or jwt');
      const pkce = await pkceFlag(flags);
      const { clients } = await app.oidc();
      const created = await clients.create({
        name: required(flags, 'name'),
        type: type as ClientType,
        redirectUris: list(flags, 'redirect-uri'),
        postLogoutRedirectUris: list(flags, 'post-logout-redirect-uri'),
        public: flags.public === true,
        ...(typeof flags.scope === 'string' ? { scope: flags.scope } : {}),
        ...(typeof flags.resource === 'string' ? { resource: flags.resource } : {}),
        ...(format !== undefined ? { accessTokenFormat: format } : {}),
        ...optional('scopeDescriptions', pairs(flags, 'scope-description')),
        ...optional('pkce', pkce),
        ...optional('tokenEndpointAuthMethod', text(flags, 'token-endpoint-auth-method')),
        ...optional('jwksUri', text(flags, 'jwks-uri')),
        ...optional('backchannelLogoutUri', text(flags, 'backchannel-logout-uri')),
      });
      await app.audit.record(AUDIT.clientRegistered, {
        clientId: created.client_id,
        details: { via: 'cli', type, ...optional('pkce', pkce) },
      });
      return created;
    },
  },
  'client list': {
    usage: 'client list',
    summary: 'list registered clients',
    flags: {},
    async run(app) {
      return { clients: await (await app.oidc()).clients.list() };
    },
  },
  'client show': {
    usage: 'client show --client-id ID',
    summary: "a client's metadata (never its secret)",
    flags: { 'client-id': { type: 'string' } },
    async run(app, flags) {
      return (await app.oidc()).clients.show(required(flags, 'client-id'));
    },
  },
  'client update': {
    usage:
      'client update --client-id ID [--name N] [--redirect-uri U ...] [--post-logout-redirect-uri U ...] [--scope "S1 S2"] ' +
      '[--scope-description "S1=what it allows" ...] [--pkce required|optional]',
    summary:
      'replace the given fields (all redirect URIs at once; --scope for service and resource-server clients; --pkce optional ' +
      'for confidential web clients only, audited); checked like a new client',
    flags: {
      'client-id': { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
      'scope-description': { type: 'string', multiple: true },
      pkce: { type: 'string' },
    },
    async run(app, flags) {
      const clientId = required(flags, 'client-id');
      const pkce = await pkceFlag(flags);
      const { clients } = await app.oidc();
      const result = await clients.update(clientId, {
        ...(typeof flags.name === 'string' ? { name: flags.name } : {}),
        ...(flags['redirect-uri'] !== undefined ? { redirectUris: list(flags, 'redirect-uri') } : {}),
        ...(flags['post-logout-redirect-uri'] !== undefined
          ? { postLogoutRedirectUris: list(flags, 'post-logout-redirect-uri') }
          : {}),
        ...(typeof flags.scope === 'string' ? { scope: flags.scope } : {}),
        ...optional('scopeDescriptions', pairs(flags, 'scope-description')),
        ...optional('pkce', pkce),
      });
      await app.audit.record(AUDIT.clientUpdated, {
        clientId,
        details: { via: 'cli', fields: result.updated, ...optional('pkce', pkce) },
      });
      return result;
    },
  },
  'client rotate-secret': {
    usage: 'client rotate-secret --client-id ID',
    summary: 'give a confidential client a new secret, shown once; the old one stops working at once',
    flags: { 'client-id': { type: 'string' } },
    async run(app, flags) {
      const clientId = required(flags, 'client-id');
      const rotated = await (await app.oidc()).clients.rotateSecret(clientId);
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
      await (await app.oidc()).clients.delete(clientId);
      await app.audit.record(AUDIT.clientDeleted, { clientId, details: { via: 'cli' } });
      return { client_id: clientId, deleted: true };
    },
  },
  'iat create': {
    usage: 'iat create [--expires-in SECONDS] [--max-uses N]',
    summary:
      'issue an initial access token for dynamic registration at /reg (RFC 7591), shown once; the store keeps only its hash',
    flags: { 'expires-in': { type: 'string' }, 'max-uses': { type: 'string' } },
    async run(app, flags) {
      refuseWithoutTokenRegistration(app.config.registration);
      const expiresIn =
        typeof flags['expires-in'] === 'string' ? wholeNumber(flags['expires-in'], '--expires-in') : undefined;
      const maxUses = typeof flags['max-uses'] === 'string' ? wholeNumber(flags['max-uses'], '--max-uses') : undefined;
      const { clients } = await app.oidc();
      const issued = await clients.initialAccessTokens.create({
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
      return { initial_access_tokens: await (await app.oidc()).clients.initialAccessTokens.list() };
    },
  },
  'iat revoke': {
    usage: 'iat revoke --id ID',
    summary: 'revoke an initial access token by the id create and list show',
    flags: { id: { type: 'string' } },
    async run(app, flags) {
      const id = required(flags, 'id');
      await (await app.oidc()).clients.initialAccessTokens.revoke(id);
      await app.audit.record(AUDIT.initialAccessTokenRevoked, { details: { via: 'cli', id } });
      return { id, revoked: true };
    },
  },
};
