import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AccountRecord, Clock, OidcPayload, OidcRecordStore } from '../storage/store.js';
import { lazily } from '../util/lazily.js';
import { FactorRecords, passkeyRecordId, type PasskeyRecord } from './factor-records.js';
import { FACTOR_NAME_MAX, type FactorActor, type Factors } from './factors.js';

/** Time to answer the browser's passkey dialog; a challenge older than this opens nothing. */
const CEREMONY_TTL_SECONDS = 300;

/** A ceremony's challenge, kept in the store under what it is bound to, and taken once. */
interface Ceremony extends OidcPayload {
  challenge: string;
  /** Registration, and a passkey as the second factor: the account it is for. */
  accountId?: string;
  name?: string;
}

function ceremonyId(binding: string, challenge: string): string {
  return `webauthn:${binding}:${createHash('sha256').update(challenge).digest('base64url')}`;
}

/** The challenge the browser says it answered (the library checks it against the stored one again). */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = (data as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' && challenge.length <= 512 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SimpleWebAuthn with its ASN.1, X.509 and CBOR stack: about 5 MiB of heap and as much compiled code,
 * which a process serving only tokens never needs. Loaded at the first passkey ceremony instead of at start.
 */
async function loadWebAuthn() {
  const [server, helpers] = await Promise.all([
    import('@simplewebauthn/server'),
    import('@simplewebauthn/server/helpers'),
  ]);
  return { ...server, isoCBOR: helpers.isoCBOR };
}
type WebAuthn = Awaited<ReturnType<typeof loadWebAuthn>>;

/** A fresh P-256 public key in COSE form (RFC 9053), as an authenticator would register one. */
function decoyPublicKey({ isoCBOR }: WebAuthn): Uint8Array<ArrayBuffer> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const coordinate = (value: string | undefined) => new Uint8Array(Buffer.from(value ?? '', 'base64url'));
  return new Uint8Array(
    isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, coordinate(jwk.x)],
        [-3, coordinate(jwk.y)],
      ]),
    ),
  );
}

export interface PasskeysDeps {
  records: OidcRecordStore;
  factors: Factors;
  clock: Clock;
  /** The issuer's origin: assertions must come from a page of it. Its host name is the relying-party id. */
  issuer: string;
}

/** What a passkey sign-in proved: whose it is, and whether the passkey is synced (software) or bound to a device. */
export interface PasskeyProof {
  accountId: string;
  synced: boolean;
}

/**
 * Passkeys (WebAuthn credentials, through SimpleWebAuthn). Every ceremony's challenge is kept in the store,
 * bound to the interaction or the account session that asked for it, and taken once; the browser never
 * holds it in a form it could replay. Signing in with a passkey alone requires user verification (a PIN or
 * a biometric on the authenticator), which makes it two factors in itself.
 */
export class Passkeys {
  private readonly store: FactorRecords;
  private readonly origin: string;
  private readonly rpId: string;
  private readonly webAuthn = lazily(loadWebAuthn);
  /** A key no authenticator holds, and a challenge never issued: what an unknown passkey is checked against. */
  private readonly decoy = lazily(async () => ({
    publicKey: decoyPublicKey(await this.webAuthn.get()),
    challenge: randomBytes(32).toString('base64url'),
  }));

  constructor(private readonly deps: PasskeysDeps) {
    this.store = new FactorRecords(deps.records);
    const issuer = new URL(deps.issuer);
    this.origin = issuer.origin;
    this.rpId = issuer.hostname;
  }

  /** Options for adding a passkey to the account; `binding` names the account session asking. */
  async registrationOptions(
    account: AccountRecord,
    binding: string,
    name: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.passkeysOf(account.id);
    const { generateRegistrationOptions } = await this.webAuthn.get();
    const options = await generateRegistrationOptions({
      rpName: this.rpId,
      rpID: this.rpId,
      userName: account.email,
      userDisplayName: account.name ?? account.email,
      // The user handle is the account id: a passkey sign-in names its account with it.
      userID: new TextEncoder().encode(account.id),
      attestationType: 'none',
      timeout: CEREMONY_TTL_SECONDS * 1000,
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      // Discoverable, so it can sign in without an email typed first.
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.open(binding, {
      challenge: options.challenge,
      accountId: account.id,
      name: name.slice(0, FACTOR_NAME_MAX),
    });
    return options;
  }

  /**
   * The browser's answer to registrationOptions: the passkey kept (and, for the account's first factor,
   * the recovery codes to show once), or undefined when it does not verify or is already registered.
   */
  async register(
    account: AccountRecord,
    binding: string,
    response: RegistrationResponseJSON,
    who: FactorActor,
  ): Promise<{ recoveryCodes: string[] | null } | undefined> {
    const ceremony = await this.take(binding, response.response.clientDataJSON);
    if (ceremony?.accountId !== account.id) return undefined;
    const { verifyRegistrationResponse } = await this.webAuthn.get();
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpId,
      requireUserVerification: false,
    }).catch(() => undefined);
    if (!verified?.verified) return undefined;
    const { credential, credentialBackedUp } = verified.registrationInfo;
    if (await this.store.passkey(passkeyRecordId(credential.id))) return undefined;
    const passkey: PasskeyRecord = {
      accountId: account.id,
      kind: 'passkey',
      name: ceremony.name ?? '',
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      backedUp: credentialBackedUp,
      createdAt: this.deps.clock(),
      lastUsedAt: null,
    };
    return { recoveryCodes: await this.deps.factors.addPasskey(account, passkey, who) };
  }

  /**
   * Options for a sign-in: with no account, any discoverable passkey of this site (the login page, where
   * nothing may tell whether an address has passkeys); with one, that account's passkeys only (the second
   * step, after its password).
   */
  async signInOptions(binding: string, accountId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = accountId ? await this.passkeysOf(accountId) : [];
    const { generateAuthenticationOptions } = await this.webAuthn.get();
    const options = await generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: accountId ? 'preferred' : 'required',
      timeout: CEREMONY_TTL_SECONDS * 1000,
      allowCredentials: allow.map((p) => ({ id: p.credentialId, transports: p.transports })),
    });
    await this.open(binding, { challenge: options.challenge, ...(accountId ? { accountId } : {}) });
    return options;
  }

  /** The browser's answer to signInOptions: whose passkey signed, or undefined for any failure. */
  async verify(binding: string, response: AuthenticationResponseJSON): Promise<PasskeyProof | undefined> {
    const ceremony = await this.take(binding, response.response.clientDataJSON);
    const found = ceremony ? await this.store.passkey(passkeyRecordId(response.id)) : undefined;
    const handle = response.response.userHandle;
    const usable =
      found !== undefined &&
      (ceremony?.accountId === undefined || ceremony.accountId === found.accountId) &&
      (!handle || Buffer.from(handle, 'base64url').toString() === found.accountId);
    // An unknown or unusable passkey is checked against a decoy key all the same, so that the answer
    // takes as long as a known passkey's with a bad signature: its timing tells nothing either.
    const passkey = usable ? found : undefined;
    const { verifyAuthenticationResponse } = await this.webAuthn.get();
    const decoy = await this.decoy.get();
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony?.challenge ?? decoy.challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpId,
      requireUserVerification: ceremony?.accountId === undefined,
      credential: passkey
        ? {
            id: passkey.credentialId,
            publicKey: Buffer.from(passkey.publicKey, 'base64url'),
            counter: passkey.counter,
            transports: passkey.transports,
          }
        : { id: response.id, publicKey: decoy.publicKey, counter: 0 },
      // A counter that went backwards (a cloned authenticator) makes the library throw: refused alike.
    }).catch(() => undefined);
    if (!passkey) return undefined;
    if (!verified?.verified) return undefined;
    const { newCounter, credentialBackedUp } = verified.authenticationInfo;
    await this.store.savePasskey({
      ...passkey,
      counter: newCounter,
      backedUp: credentialBackedUp,
      lastUsedAt: this.deps.clock(),
    });
    return { accountId: passkey.accountId, synced: credentialBackedUp };
  }

  /** Whether the account has a passkey (the second step then offers it). */
  has(accountId: string): Promise<boolean> {
    return this.store.hasPasskey(accountId);
  }

  private async passkeysOf(accountId: string): Promise<PasskeyRecord[]> {
    return (await this.store.all(accountId)).flatMap(({ factor }) => (factor.kind === 'passkey' ? [factor] : []));
  }

  /**
   * Each ceremony is a record of its own, under its binding and its challenge: a page may have two open
   * at once (the autofill's and the button's), and a taken one is never reused.
   */
  private async open(binding: string, ceremony: Ceremony): Promise<void> {
    await this.deps.records.upsert(
      'FactorChallenge',
      ceremonyId(binding, ceremony.challenge),
      ceremony,
      CEREMONY_TTL_SECONDS,
    );
  }

  /** The ceremony the answer's signed client data names, taken: a second answer to it finds nothing. */
  private async take(binding: string, clientDataJSON: string): Promise<Ceremony | undefined> {
    const challenge = challengeOf(clientDataJSON);
    if (challenge === undefined) return undefined;
    const id = ceremonyId(binding, challenge);
    const found = await this.deps.records.find('FactorChallenge', id);
    if (typeof found?.challenge !== 'string' || !(await this.deps.records.consume('FactorChallenge', id))) {
      return undefined;
    }
    await this.deps.records.destroy('FactorChallenge', id);
    return found as Ceremony;
  }
}
