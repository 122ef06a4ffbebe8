import type { Context } from 'koa';

export interface AppCookie {
  readonly name: string;
  /** The value, when its signature verifies. */
  get(ctx: Context): string | undefined;
  set(ctx: Context, value: string, maxAgeMs?: number): void;
  clear(ctx: Context): void;
}

/**
 * A cookie of Signet's own pages (account page, demo app): signed, HttpOnly, SameSite=Lax.
 *
 * With an https issuer it is Secure whatever scheme the request itself came in on (a proxy that drops
 * X-Forwarded-Proto must not downgrade it), and carries the `__Host-` prefix, which browsers accept only
 * with Secure, Path=/ and no Domain (RFC 6265bis section 4.1.3.2): neither a sibling subdomain nor a
 * plain-http response can plant or overwrite it. That is worth more than scoping it to its pages' path,
 * which only narrows where the same origin's server gets it back.
 *
 * With an http issuer (development on loopback) neither is possible: the plain name, scoped to `path`.
 */
export function appCookie(issuer: string, name: string, path: string): AppCookie {
  const https = new URL(issuer).protocol === 'https:';
  const fullName = https ? `__Host-${name}` : name;
  const options = (ctx: Context) =>
    ({
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      overwrite: true,
      path: https ? '/' : path,
      secure: https || ctx.secure,
    }) as const;
  const writable = (ctx: Context) => {
    // The cookies module refuses Secure on a request it believes is plain http; the issuer decides here.
    if (https) ctx.cookies.secure = true;
  };
  return {
    name: fullName,
    get: (ctx) => ctx.cookies.get(fullName, { signed: true }) || undefined,
    set(ctx, value, maxAgeMs) {
      writable(ctx);
      ctx.cookies.set(fullName, value, { ...options(ctx), ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) });
    },
    clear(ctx) {
      writable(ctx);
      ctx.cookies.set(fullName, null, options(ctx));
    },
  };
}
