import type { Middleware } from 'koa';
import type { ClientSecretHasher } from '../../clients/client-secret.js';
import type { ProviderHost } from '../../oidc/provider-host.js';

const LIMIT = 56 * 1024;

/**
 * RFC 7592 meets hashed secrets. oidc-provider compares an update's client_secret to the stored value,
 * which is a keyed hash, and echoes the stored value back in read and update responses. So: a correct
 * secret in an update is swapped for its stored hash before the provider looks, and hashes never leave
 * in a response (the client keeps the secret it was given at registration, as with ORY Hydra).
 */
export function registrationSecrets(host: ProviderHost, secrets: ClientSecretHasher): Middleware {
  return async (ctx, next) => {
    const match = /^\/reg\/([^/]+)$/.exec(ctx.path);
    if (!match) {
      await next();
      return;
    }
    if (ctx.method === 'PUT' && ctx.is('application/json')) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of ctx.req) {
        size += (chunk as Buffer).length;
        if (size > LIMIT) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_request', error_description: 'request body too large' };
          return;
        }
        chunks.push(chunk as Buffer);
      }
      let raw = Buffer.concat(chunks).toString('utf8');
      try {
        const body: unknown = JSON.parse(raw);
        if (
          typeof body === 'object' &&
          body !== null &&
          'client_secret' in body &&
          typeof body.client_secret === 'string'
        ) {
          const stored = (await host.current.Client.find(decodeURIComponent(match[1] ?? '')))?.clientSecret;
          if (stored && secrets.matches(stored, body.client_secret))
            raw = JSON.stringify({ ...body, client_secret: stored });
        }
      } catch {
        // Not JSON: oidc-provider answers that with its own invalid_request.
      }
      // oidc-provider reads an already-read body from here (lib/shared/selective_body.js).
      (ctx.req as { body?: string }).body = raw;
    }
    await next();
    const out = ctx.body as Record<string, unknown> | undefined;
    if (
      out &&
      typeof out === 'object' &&
      typeof out.client_secret === 'string' &&
      secrets.isHashed(out.client_secret)
    ) {
      delete out.client_secret;
    }
  };
}
