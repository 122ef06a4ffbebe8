"""A relying party built on Authlib, driven by test/interop/interop.test.ts.

Usage: authlib_client.py ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI
(each may instead come from SIGNET_ISSUER, SIGNET_CLIENT_ID, SIGNET_CLIENT_SECRET, SIGNET_REDIRECT_URI).

Protocol, one JSON object per line on stdout:
  1. prints {"authorization_url": ...}  (discovery done; PKCE S256, state and nonce in the URL)
  2. reads the callback URL the browser was sent to, as one line on stdin
  3. exchanges the code, verifies the id_token with Authlib's own OpenID Connect validation
     (signature against the discovered JWKS, iss, aud, exp, iat, nonce, at_hash), calls userinfo
  4. prints {"sub", "email", "nonce_ok", "userinfo_sub", ...} and exits 0; on any failure it prints
     the reason on stderr and exits non-zero.

Plain http on loopback needs AUTHLIB_INSECURE_TRANSPORT=1 in the environment.
"""

import base64
import json
import os
import sys
import time
from urllib.parse import parse_qs, urlsplit

from authlib.integrations.base_client import (
    BaseApp,
    FrameworkIntegration,
    OAuth2Mixin,
    OpenIDMixin,
)
from authlib.integrations.requests_client import OAuth2Session
from authlib.common.security import generate_token


class CommandLineIntegration(FrameworkIntegration):
    """Authlib's web integrations keep state in a session; this one-shot program keeps it in locals."""

    def update_token(self, token, refresh_token=None, access_token=None):
        pass


class CommandLineOAuth2App(OAuth2Mixin, OpenIDMixin, BaseApp):
    """The same composition as Authlib's FlaskOAuth2App / StarletteOAuth2App, minus the web framework."""

    client_cls = OAuth2Session


def arg(index, env):
    if len(sys.argv) > index and sys.argv[index]:
        return sys.argv[index]
    value = os.environ.get(env)
    if not value:
        raise SystemExit(f"missing argument {index} (or {env})")
    return value


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    issuer = arg(1, "SIGNET_ISSUER")
    client_id = arg(2, "SIGNET_CLIENT_ID")
    client_secret = arg(3, "SIGNET_CLIENT_SECRET")
    redirect_uri = arg(4, "SIGNET_REDIRECT_URI")

    app = CommandLineOAuth2App(
        CommandLineIntegration("signet"),
        name="signet",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "timeout": 20,
        },
    )

    metadata = app.load_server_metadata()
    # OpenID Connect Discovery 1.0 section 4.3: the issuer in the document must be the one asked for.
    if metadata.get("issuer") != issuer:
        raise SystemExit(f"discovery issuer {metadata.get('issuer')!r} != {issuer!r}")
    if "S256" not in metadata.get("code_challenge_methods_supported", []):
        raise SystemExit("discovery does not advertise PKCE S256")

    nonce = generate_token(32)
    started = app.create_authorization_url(redirect_uri, nonce=nonce)
    state, code_verifier = started["state"], started["code_verifier"]
    if started.get("nonce") != nonce or not code_verifier:
        raise SystemExit("Authlib did not put the nonce / PKCE verifier in the request")
    emit({"authorization_url": started["url"]})

    callback = sys.stdin.readline().strip()
    if not callback:
        raise SystemExit("no callback URL on stdin")
    params = parse_qs(urlsplit(callback).query)
    if "error" in params:
        raise SystemExit(f"authorization error: {params}")
    # RFC 9207: when the server sends iss with the response, it must be the expected issuer.
    iss_param = params.get("iss", [None])[0]
    if iss_param is not None and iss_param != issuer:
        raise SystemExit(f"callback iss {iss_param!r} != {issuer!r}")

    # Authlib parses the code out of the callback and refuses it when state does not match.
    token = app.fetch_access_token(
        redirect_uri,
        authorization_response=callback,
        state=state,
        code_verifier=code_verifier,
    )
    if "id_token" not in token:
        raise SystemExit(f"no id_token in the token response: {sorted(token)}")

    # Authlib's OpenID Connect validation (CodeIDToken): signature with the JWKS from discovery, limited
    # to id_token_signing_alg_values_supported; iss, aud/azp, exp, iat, nonce and at_hash claims.
    claims = app.parse_id_token(token, nonce=nonce, leeway=5)
    # Belt and braces: what the checks above must have established.
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if claims["iss"] != issuer or client_id not in aud or claims["nonce"] != nonce:
        raise SystemExit(f"id_token claims slipped past validation: {dict(claims)}")
    if claims["exp"] <= time.time():
        raise SystemExit("id_token already expired")

    userinfo = app.userinfo(token=token)
    if userinfo.get("sub") != claims["sub"]:
        raise SystemExit(f"userinfo sub {userinfo.get('sub')!r} != id_token sub {claims['sub']!r}")

    emit(
        {
            "sub": claims["sub"],
            "email": claims.get("email"),
            "nonce_ok": claims["nonce"] == nonce,
            "userinfo_sub": userinfo["sub"],
            "userinfo_email": userinfo.get("email"),
            "alg": _header_alg(token["id_token"]),
            "library": "authlib",
        }
    )


def _header_alg(jwt):
    header = jwt.split(".")[0]
    header += "=" * (-len(header) % 4)
    return json.loads(base64.urlsafe_b64decode(header)).get("alg")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as err:  # any library refusal is a failed interop run
        sys.stderr.write(f"authlib client failed: {type(err).__name__}: {err}\n")
        sys.exit(1)
