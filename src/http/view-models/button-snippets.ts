/** Copy-paste snippets for /button, with this issuer filled in. Shown escaped (they are text). */
export function buttonSnippets(issuer: string): { html: string; node: string; next: string } {
  const html = `<link rel="stylesheet" href="${issuer}/assets/signet-button.css">
<!-- /login is a route on YOUR server that starts the flow (see below) -->
<a class="signet-button signet-auto" href="/login">
  <span class="signet-mark" aria-hidden="true">S</span>Sign in with Signet
</a>`;
  const node = `import * as oidc from 'openid-client';

// CLIENT_ID and CLIENT_SECRET come from your secret store, never from the browser.
const config = await oidc.discovery(new URL('${issuer}'), CLIENT_ID, CLIENT_SECRET);

// GET /login: PKCE + state + nonce kept in YOUR server-side session, never in the browser
app.get('/login', async (req, res) => {
  const verifier = oidc.randomPKCECodeVerifier();
  req.session.oidc = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
  res.redirect(oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'https://app.example.com/callback',
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: req.session.oidc.state,
    nonce: req.session.oidc.nonce,
  }).href);
});

// GET /callback: exchange the code; keep the tokens on the server (backend-for-frontend)
app.get('/callback', async (req, res) => {
  const { verifier, state, nonce } = req.session.oidc;
  const tokens = await oidc.authorizationCodeGrant(config, new URL(req.originalUrl, 'https://app.example.com'), {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
  });
  req.session.user = tokens.claims();          // sub, email, name
  req.session.tokens = { access: tokens.access_token, refresh: tokens.refresh_token };
  res.redirect('/');
});`;
  const next = `// app/api/auth/login/route.ts — the same flow; keep verifier/state/nonce in an encrypted,
// HttpOnly cookie or your session store, and the tokens server-side.
import * as oidc from 'openid-client';
import { cookies } from 'next/headers';

const config = oidc.discovery(new URL('${issuer}'), CLIENT_ID, CLIENT_SECRET); // from your secret store

export async function GET() {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  (await cookies()).set('login', JSON.stringify({ verifier, state }), { httpOnly: true, secure: true, sameSite: 'lax' });
  const url = oidc.buildAuthorizationUrl(await config, {
    redirect_uri: 'https://app.example.com/api/auth/callback', scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state,
  });
  return Response.redirect(url);
}`;
  return { html, node, next };
}
