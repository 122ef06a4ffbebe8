import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

// What a browser posts back from navigator.credentials (serialised by @simplewebauthn/browser), read
// before the library sees it: a form field anyone can fill, so shapes and sizes are checked here.

const b64url = z
  .string()
  .max(8192)
  .regex(/^[A-Za-z0-9_-]*$/);
const attachment = z.enum(['platform', 'cross-platform']).optional();

/** What every answer carries around the authenticator's own response. */
const Credential = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  authenticatorAttachment: attachment,
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

const AuthenticationResponse = Credential.extend({
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional(),
  }),
});

const RegistrationResponse = Credential.extend({
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: b64url,
    authenticatorData: b64url.optional(),
    transports: z
      .array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']))
      .max(8)
      .optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url.optional(),
  }),
});

/** The most a serialised answer may weigh: far above any real one, far below anything costly. */
export const WEBAUTHN_RESPONSE_MAX = 32_768;

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A sign-in answer, or undefined when the field does not hold one. */
export function readAuthenticationResponse(text: string): AuthenticationResponseJSON | undefined {
  const result = AuthenticationResponse.safeParse(parsed(text));
  return result.success ? result.data : undefined;
}

/** A registration answer, or undefined when the field does not hold one. */
export function readRegistrationResponse(text: string): RegistrationResponseJSON | undefined {
  const result = RegistrationResponse.safeParse(parsed(text));
  return result.success ? result.data : undefined;
}
