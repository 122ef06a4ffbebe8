import type { Middleware } from 'koa';

// No inline script or style anywhere: pages only load /assets from our own origin.
// No form-action: browsers apply it to the redirects that follow a form POST, which would block
// the hop back to a relying party's redirect_uri.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // A client's logo_uri is shown on the login and consent pages; only https ones are rendered, and an
  // image runs no code. Nothing else may come from another origin.
  "img-src 'self' data: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Set before anything else runs: error pages get them too, and oidc-provider's self-submitting pages
 * (form_post, logout without a session) add their script's hash to this CSP rather than finding none.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', CSP);
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    return next();
  };
}
