// A software WebAuthn authenticator for HTTP-level tests: a real P-256 key pair per credential, real
// authenticator data, client data and signatures (ES256, attestation "none"), as a browser would post
// them after talking to a platform authenticator. The browser tests use Chromium's own virtual
// authenticator instead; this one lets the suites on both stores drive every ceremony over plain HTTP.

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Buffer | Map<Cbor, Cbor>;

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  const b = Buffer.alloc(3);
  b[0] = (major << 5) | 25;
  b.writeUInt16BE(length, 1);
  return b;
}

/** The little CBOR WebAuthn needs: small integers, byte and text strings, maps. */
function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

const FLAG = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 };

export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  counter: number;
  /** Reported as backed up (a synced passkey). */
  synced: boolean;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

function authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** A new passkey for the options a server gave, and the answer a browser posts back. */
export function createCredential(options: CreationOptions, origin: string, opts: { synced?: boolean } = {}) {
  const rpId = options.rp.id ?? new URL(origin).hostname;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = cbor(
    new Map<Cbor, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]),
  );
  const rawId = randomBytes(32);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(rawId.length);
  const attested = Buffer.concat([Buffer.alloc(16), idLength, rawId, cose]);
  const synced = opts.synced ?? false;
  const flags = FLAG.up | FLAG.uv | FLAG.at | (synced ? FLAG.be | FLAG.bs : 0);
  const data = authData(rpId, flags, 0, attested);
  const attestationObject = cbor(
    new Map<Cbor, Cbor>([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', data],
    ]),
  );
  const id = rawId.toString('base64url');
  const credential: SoftCredential = { id, privateKey, rpId, userHandle: options.user.id, counter: 0, synced };
  const response = {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: clientData('webauthn.create', options.challenge, origin).toString('base64url'),
      attestationObject: attestationObject.toString('base64url'),
      transports: ['internal'],
    },
  };
  return { credential, response };
}

/**
 * The answer to a sign-in's options, signed by `credential`. `userVerified: false` leaves the UV flag
 * off (a PIN never asked); `origin` may be another site's (a phishing page relaying the ceremony).
 */
export function assert(
  credential: SoftCredential,
  options: RequestOptions,
  origin: string,
  opts: { userVerified?: boolean; counter?: number } = {},
) {
  credential.counter = opts.counter ?? credential.counter + 1;
  const flags = FLAG.up | (opts.userVerified === false ? 0 : FLAG.uv) | (credential.synced ? FLAG.be | FLAG.bs : 0);
  const data = authData(options.rpId ?? credential.rpId, flags, credential.counter);
  const client = clientData('webauthn.get', options.challenge, origin);
  const signature = sign('sha256', Buffer.concat([data, sha256(client)]), credential.privateKey);
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: client.toString('base64url'),
      authenticatorData: data.toString('base64url'),
      signature: signature.toString('base64url'),
      userHandle: credential.userHandle,
    },
  };
}
