import * as oidc from 'openid-client';
import type { PendingAppLogin as PendingLogin } from './app-sessions.js';
import type { FirstPartyClient } from '../clients/first-party-clients.js';
import type { Clock } from '../storage/store.js';

export interface RelyingPartyTokens {
  sub: string;
  idToken: string;
  claims: Record<string, unknown>;
  accessToken: string;
  refreshToken: string | undefined;
  /** ms since the epoch */
  expiresAt: number;
}

/**
 * The relying-party side of Signet's in-process clients (the account page, the demo app), with
 * openid-client like any third-party RP. Every URL it knows is the issuer's (discovery, redirects,
 * what the browser is sent to). Only the transport of back-channel calls (discovery, token, userinfo,
 * jwks) takes a detour to `internalOrigin()` when the server knows its own loopback address: behind a
 * TLS-terminating proxy the public issuer URL may not be reachable from the host itself.
 */
export class InProcessRelyingParty {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly client: FirstPartyClient,
    private readonly internalOrigin: () => string | undefined,
    private readonly clock: Clock,
  ) {}

  get redirectUri(): string {
    return this.client.metadata.redirect_uris?.[0] ?? `${this.issuer}/account/callback`;
  }

  get postLogoutRedirectUri(): string {
    return this.client.metadata.post_logout_redirect_uris?.[0] ?? `${this.issuer}/account/signed-out`;
  }

  async start(extra: Record<string, string> = {}): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.config();
    const pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.client.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...extra,
    });
    return { url: url.toString(), pending };
  }

  /** Exchanges the code; resolves with the verified id_token's claims and the tokens. */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<RelyingPartyTokens> {
    const tokens = await oidc.authorizationCodeGrant(await this.config(), callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims?.sub || !tokens.id_token) throw new Error('no id_token in the token response');
    return this.toTokens(tokens, claims.sub, tokens.id_token);
  }

  /** Refresh (Signet rotates the refresh token every time: keep the new one). */
  async refresh(
    refreshToken: string,
    previous: Pick<RelyingPartyTokens, 'sub' | 'idToken' | 'claims'>,
  ): Promise<RelyingPartyTokens> {
    const tokens = await oidc.refreshTokenGrant(await this.config(), refreshToken);
    return this.toTokens(tokens, previous.sub, tokens.id_token ?? previous.idToken, previous.claims);
  }

  async userinfo(accessToken: string, sub: string): Promise<Record<string, unknown>> {
    return { ...(await oidc.fetchUserInfo(await this.config(), accessToken, sub)) };
  }

  /** The issuer's public keys, for verifying what the issuer sends us (back-channel logout tokens). */
  async jwksUri(): Promise<string> {
    return String((await this.config()).serverMetadata().jwks_uri);
  }

  /** Fetch with the same loopback detour as every other back-channel call. */
  fetch(url: string, init?: RequestInit): Promise<Response> {
    const internal = this.internalOrigin();
    const issuerOrigin = new URL(this.issuer).origin;
    return fetch(internal && url.startsWith(issuerOrigin) ? internal + url.slice(issuerOrigin.length) : url, init);
  }

  get clientId(): string {
    return this.client.metadata.client_id;
  }

  private toTokens(
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    sub: string,
    idToken: string,
    previousClaims?: Record<string, unknown>,
  ): RelyingPartyTokens {
    return {
      sub,
      idToken,
      claims: { ...(tokens.claims() ?? previousClaims ?? {}) },
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: this.clock() + (tokens.expiresIn() ?? 0) * 1000,
    };
  }

  async logoutUrl(idToken: string): Promise<string> {
    return oidc
      .buildEndSessionUrl(await this.config(), {
        id_token_hint: idToken,
        post_logout_redirect_uri: this.postLogoutRedirectUri,
      })
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
    const customFetch: oidc.CustomFetch = (url, options) => this.fetch(url, options);
    // Over the loopback detour the hop is plain http even when the issuer is https: openid-client checks
    // the URLs it is given (the issuer's), never the detour, so https issuers need no exemption here.
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- a development issuer is plain http on purpose
    const execute = new URL(this.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    const config = await oidc.discovery(
      new URL(this.issuer),
      this.client.metadata.client_id,
      this.client.secret,
      undefined,
      {
        execute,
        [oidc.customFetch]: customFetch,
      },
    );
    this.checkBrowserFacing(config.serverMetadata());
    config[oidc.customFetch] = customFetch;
    return config;
  }

  /**
   * The browser is sent to the authorization and end-session endpoints: they must be the issuer's own,
   * whichever address discovery was fetched from (the loopback detour must never show through, or the
   * browser would sign in on another origin: no single sign-on, no logout at the issuer).
   */
  private checkBrowserFacing(metadata: oidc.ServerMetadata): void {
    for (const name of ['authorization_endpoint', 'end_session_endpoint'] as const) {
      const url = metadata[name];
      if (typeof url !== 'string' || !url.startsWith(`${this.issuer}/`)) {
        throw new Error(`discovery named ${name} ${String(url)}, not under the issuer ${this.issuer}`);
      }
    }
  }
}
