import * as oidc from 'openid-client';
import type { PendingAppLogin as PendingLogin } from '../../oidc/app-sessions.js';
import type { FirstPartyClient } from '../../oidc/first-party-clients.js';

/**
 * The account page's relying-party side, with openid-client like any third-party RP. Back-channel calls
 * go to `internalOrigin()` when the server knows its own loopback address: behind a TLS-terminating
 * proxy the public issuer URL may not be reachable from the host itself.
 */
export class AccountRelyingParty {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly client: FirstPartyClient,
    private readonly internalOrigin: () => string | undefined,
  ) {}

  get redirectUri(): string {
    return this.client.metadata.redirect_uris?.[0] ?? `${this.issuer}/account/callback`;
  }

  get postLogoutRedirectUri(): string {
    return this.client.metadata.post_logout_redirect_uris?.[0] ?? `${this.issuer}/account/signed-out`;
  }

  async start(): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.config();
    const pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.client.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.toString(), pending };
  }

  /** Exchanges the code; resolves with the verified subject and the id_token (kept for logout). */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<{ sub: string; idToken: string }> {
    const tokens = await oidc.authorizationCodeGrant(await this.config(), callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims?.sub || !tokens.id_token) throw new Error('no id_token in the token response');
    return { sub: claims.sub, idToken: tokens.id_token };
  }

  async logoutUrl(idToken: string): Promise<string> {
    return oidc
      .buildEndSessionUrl(await this.config(), { id_token_hint: idToken, post_logout_redirect_uri: this.postLogoutRedirectUri })
      .toString();
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((err: unknown) => {
      this.configuration = undefined; // retry on the next request rather than caching the failure
      throw err;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const internal = this.internalOrigin();
    const issuerOrigin = new URL(this.issuer).origin;
    const customFetch: oidc.CustomFetch = (url, options) => {
      const target = internal && url.startsWith(issuerOrigin) ? internal + url.slice(issuerOrigin.length) : url;
      return fetch(target, options as RequestInit);
    };
    const execute = new URL(this.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    const config = await oidc.discovery(new URL(this.issuer), this.client.metadata.client_id, this.client.secret, undefined, {
      execute,
      [oidc.customFetch]: customFetch,
    });
    config[oidc.customFetch] = customFetch;
    return config;
  }
}
