/**
 * The authentication context classes Signet reports in `acr` (OIDC Core 2), from the weakest. Only
 * password sign-in exists today; the other two names are reserved so that a second factor and
 * phishing-resistant authenticators (passkeys) can be added without renaming what relying parties
 * already compare against.
 */
export const ACR = {
  /** Something the user knows: a password, nothing else. */
  password: 'urn:signet:acr:pwd',
  /** Reserved: a password and a second, independent factor. */
  multiFactor: 'urn:signet:acr:mfa',
  /** Reserved: an authenticator bound to the origin (WebAuthn), which a phishing site cannot relay. */
  phishingResistant: 'urn:signet:acr:phr',
} as const;

/** What discovery advertises: only the classes a sign-in can actually reach today. */
export const ACR_VALUES_SUPPORTED: readonly string[] = [ACR.password];

/** The login result of a password sign-in: its class, and RFC 8176's method value for it. */
export function passwordAuthentication(): { acr: string; amr: string[] } {
  return { acr: ACR.password, amr: ['pwd'] };
}
