/**
 * The authentication context classes Signet reports in `acr` (OIDC Core 2), from the weakest. Password
 * sign-in and password plus a second factor exist; the phishing-resistant class is reserved so that
 * passkeys can be added without renaming what relying parties already compare against.
 */
export const ACR = {
  /** Something the user knows: a password, nothing else. */
  password: 'urn:signet:acr:pwd',
  /** A password and a second, independent factor (an authenticator app's code, or a recovery code). */
  multiFactor: 'urn:signet:acr:mfa',
  /** A passkey (WebAuthn): bound to the site's origin, so a phishing site cannot relay it. */
  phishingResistant: 'urn:signet:acr:phr',
} as const;

/** What discovery advertises: only the classes a sign-in can actually reach (passkeys may be off). */
export function acrValuesSupported(passkeys: boolean): string[] {
  return passkeys ? [ACR.password, ACR.multiFactor, ACR.phishingResistant] : [ACR.password, ACR.multiFactor];
}

/** The classes from the weakest: each one meets every class before it. */
const ACR_ORDER: readonly string[] = [ACR.password, ACR.multiFactor, ACR.phishingResistant];

/**
 * Whether a sign-in of class `actual` meets a wish for class `wanted`: the same class or a stronger one.
 * An unknown or missing class meets nothing (a session from before classes were recorded is stepped up).
 */
export function meetsAcr(actual: string | undefined, wanted: string): boolean {
  const have = actual === undefined ? -1 : ACR_ORDER.indexOf(actual);
  const want = ACR_ORDER.indexOf(wanted);
  return have >= 0 && want >= 0 && have >= want;
}

/** The login result of a password sign-in: its class, and RFC 8176's method value for it. */
export function passwordAuthentication(): { acr: string; amr: string[] } {
  return { acr: ACR.password, amr: ['pwd'] };
}

/** Which second factor completed a sign-in after the password. */
export type SecondFactorMethod = 'otp' | 'recovery';

/**
 * The login result of a password and a second factor. An authenticator app's code is RFC 8176's 'otp'
 * (RFC 6238 is named there). A recovery code is a look-up secret, for which RFC 8176 has no value: its
 * amr says only that there were a password and more than one factor, so a relying party can tell it
 * from an app's code by the missing 'otp'.
 */
export function mfaAuthentication(method: SecondFactorMethod): { acr: string; amr: string[] } {
  return { acr: ACR.multiFactor, amr: method === 'otp' ? ['pwd', 'otp', 'mfa'] : ['pwd', 'mfa'] };
}

/**
 * The login result of a passkey. A synced passkey's key lives in software its provider copies between
 * devices (RFC 8176 'swk'); a device-bound one in hardware ('hwk'). Alone it was asked for user
 * verification (a PIN or biometric on the authenticator), so it is two factors itself ('user' for that
 * check, since which kind it was is not told); after a password it is the second factor.
 */
export function passkeyAuthentication(synced: boolean, afterPassword: boolean): { acr: string; amr: string[] } {
  const key = synced ? 'swk' : 'hwk';
  return { acr: ACR.phishingResistant, amr: afterPassword ? ['pwd', key, 'mfa'] : [key, 'user', 'mfa'] };
}

/** What a token's grant source says of the sign-in behind it (oidc-provider's entities of the request). */
interface SignInSource {
  acr?: string;
  authTime?: number;
}

/**
 * The sign-in behind an access or refresh token, kept on the token so introspection returns it: an API
 * can then require multi-factor for its own scopes by checking `acr` and `auth_time` itself. Taken from
 * the code or refresh token it was issued for; a client-credentials token has no person and gets none.
 */
export function signInClaims(entities: { AuthorizationCode?: SignInSource; RefreshToken?: SignInSource }) {
  const source = entities.AuthorizationCode ?? entities.RefreshToken;
  if (!source?.acr) return undefined;
  return { acr: source.acr, ...(source.authTime ? { auth_time: source.authTime } : {}) };
}
