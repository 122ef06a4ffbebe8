// Chromium's virtual authenticator (the DevTools WebAuthn domain): a platform authenticator with a
// screen lock that always says yes, so a browser test can create and use real passkeys without a person
// touching a device. It belongs to one page; a passkey is carried to another browser by copying its
// credential (private key included) into that page's authenticator.

import type { Page } from 'playwright-core';

/** A passkey as the authenticator holds it. */
export interface HeldCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  /** The passkeys it holds now. */
  credentials(): Promise<HeldCredential[]>;
  /** Puts a passkey (from another authenticator) into this one. */
  add(credential: HeldCredential): Promise<void>;
  /**
   * Whether the person touches it: while not, every request to it waits (conditional ones included), and
   * a request already waiting stays so; only requests made after setPresence(true) are answered.
   */
  setPresence(present: boolean): Promise<void>;
}

/**
 * Attaches a discoverable-credential authenticator with user verification (a device's screen lock) to
 * `page`; `present` false leaves every request waiting until setPresence(true).
 */
export async function addVirtualAuthenticator(page: Page, present = true): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: present,
    },
  });
  return {
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
    async add(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async setPresence(enabled) {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    },
  };
}
