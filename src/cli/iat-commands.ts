import { z } from 'zod';
import { CLI_OPERATOR } from '../audit/audit-log.js';
import { ValidationError } from '../errors.js';
import { CLIENT_FIELD_FLAGS, clientAdmin } from './client-admin-of.js';
import { PKCE_POLICIES } from '../clients/client-types.js';
import { command, oneOf, wholeNumber, withFlag, type Command } from './flags.js';

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

/** The admin CLI's initial-access-token commands (dynamic registration, RFC 7591). */
export const IAT_COMMANDS: Record<string, Command> = {
  'iat create': command({
    usage: 'iat create [--expires-in SECONDS] [--max-uses N] [--pkce required|optional]',
    summary:
      'issue an initial access token for dynamic registration at /reg (RFC 7591), shown once; the store keeps only its hash; ' +
      '--pkce optional lets the confidential clients registered with it leave out PKCE (audited; see README)',
    flags: { 'expires-in': { type: 'string' }, 'max-uses': { type: 'string' }, pkce: { type: 'string' } },
    input: z
      .object({
        'expires-in': wholeNumber('expires-in'),
        'max-uses': wholeNumber('max-uses'),
        pkce: oneOf('pkce', PKCE_POLICIES),
      })
      .transform((f) => ({ expiresIn: f['expires-in'], maxUses: f['max-uses'], pkce: f.pkce })),
    fieldFlags: CLIENT_FIELD_FLAGS,
    async run(app, input) {
      refuseWithoutTokenRegistration(app.config.registration);
      return (await clientAdmin(app)).initialAccessTokens.create(input, CLI_OPERATOR);
    },
  }),
  'iat list': command({
    usage: 'iat list',
    summary: 'initial access tokens still valid: id (a hash, not the token), dates, uses left',
    flags: {},
    input: z.object({}),
    async run(app) {
      return { initial_access_tokens: await (await app.oidc()).clients.initialAccessTokens.list() };
    },
  }),
  'iat revoke': withFlag('id', {
    usage: 'iat revoke --id ID',
    summary: 'revoke an initial access token by the id create and list show',
    async run(app, id) {
      await (await clientAdmin(app)).initialAccessTokens.revoke(id, CLI_OPERATOR);
      return { id, revoked: true };
    },
  }),
};
