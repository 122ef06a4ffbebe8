// A relying party built on github.com/coreos/go-oidc/v3 and golang.org/x/oauth2, driven by
// test/interop/interop.test.ts.
//
// Usage: go_oidc_client ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI   (or: go_oidc_client --versions)
// (each may instead come from SIGNET_ISSUER, SIGNET_CLIENT_ID, SIGNET_CLIENT_SECRET, SIGNET_REDIRECT_URI).
//
// Protocol, one JSON object per line on stdout:
//  1. prints {"authorization_url": ...} (discovery done; PKCE S256, state and nonce in the URL)
//  2. reads the callback URL the browser was sent to, as one line on stdin
//  3. exchanges the code, verifies the id_token with go-oidc's IDTokenVerifier (signature against the
//     discovered JWKS, iss, aud, exp) plus nonce and at_hash, calls userinfo
//  4. prints {"sub", "email", "nonce_ok", "userinfo_sub", ...} and exits 0; on any failure it prints
//     the reason on stderr and exits non-zero.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func arg(index int, env string) string {
	if len(os.Args) > index && os.Args[index] != "" {
		return os.Args[index]
	}
	if v := os.Getenv(env); v != "" {
		return v
	}
	fail("missing argument %d (or %s)", index, env)
	return ""
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "go-oidc client failed: "+format+"\n", a...)
	os.Exit(1)
}

func emit(v any) {
	line, err := json.Marshal(v)
	if err != nil {
		fail("marshal: %v", err)
	}
	os.Stdout.Write(append(line, '\n'))
}

func random() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		fail("random: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// versions prints the module versions this binary was built with, so a cached build can be checked
// against the pins in go.mod.
func versions() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail("no build info")
	}
	deps := map[string]string{"go": info.GoVersion}
	for _, d := range info.Deps {
		deps[d.Path] = d.Version
	}
	emit(deps)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--versions" {
		versions()
		return
	}
	issuer := arg(1, "SIGNET_ISSUER")
	clientID := arg(2, "SIGNET_CLIENT_ID")
	clientSecret := arg(3, "SIGNET_CLIENT_SECRET")
	redirectURI := arg(4, "SIGNET_REDIRECT_URI")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// Discovery; go-oidc refuses a document whose issuer differs from the one asked for.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		fail("discovery: %v", err)
	}
	var meta struct {
		CodeChallengeMethods []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		fail("discovery claims: %v", err)
	}
	s256 := false
	for _, m := range meta.CodeChallengeMethods {
		s256 = s256 || m == "S256"
	}
	if !s256 {
		fail("discovery does not advertise PKCE S256: %v", meta.CodeChallengeMethods)
	}

	config := oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     provider.Endpoint(),
		RedirectURL:  redirectURI,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
	verifier := oauth2.GenerateVerifier()
	state := random()
	nonce := random()
	emit(map[string]string{
		"authorization_url": config.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)),
	})

	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		fail("no callback URL on stdin: %v", err)
	}
	callback, err := url.Parse(strings.TrimSpace(line))
	if err != nil {
		fail("callback URL: %v", err)
	}
	q := callback.Query()
	if e := q.Get("error"); e != "" {
		fail("authorization error: %s (%s)", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		fail("state mismatch: %q", q.Get("state"))
	}
	// RFC 9207: when the server sends iss with the response, it must be the expected issuer.
	if q.Has("iss") && q.Get("iss") != issuer {
		fail("callback iss %q != %q", q.Get("iss"), issuer)
	}

	token, err := config.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		fail("token exchange: %v", err)
	}
	rawIDToken, ok := token.Extra("id_token").(string)
	if !ok || rawIDToken == "" {
		fail("no id_token in the token response")
	}

	// Signature against the JWKS from discovery (restricted to id_token_signing_alg_values_supported),
	// iss, aud = our client_id, exp.
	idToken, err := provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(ctx, rawIDToken)
	if err != nil {
		fail("id_token verification: %v", err)
	}
	if idToken.Nonce != nonce {
		fail("nonce mismatch: %q", idToken.Nonce)
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(token.AccessToken); err != nil {
			fail("at_hash: %v", err)
		}
	}
	var claims struct {
		Email string `json:"email"`
	}
	if err := idToken.Claims(&claims); err != nil {
		fail("id_token claims: %v", err)
	}

	userInfo, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		fail("userinfo: %v", err)
	}
	if userInfo.Subject != idToken.Subject {
		fail("userinfo sub %q != id_token sub %q", userInfo.Subject, idToken.Subject)
	}

	emit(map[string]any{
		"sub":            idToken.Subject,
		"email":          claims.Email,
		"nonce_ok":       idToken.Nonce == nonce,
		"userinfo_sub":   userInfo.Subject,
		"userinfo_email": userInfo.Email,
		// at_hash is optional for the code flow (OIDC Core 3.1.3.6); checked above when present.
		"at_hash_checked": idToken.AccessTokenHash != "",
		"library":         "go-oidc",
	})
}
