import type Provider from 'oidc-provider';

/**
 * The provider in service now. oidc-provider reads its keys once, at construction, so a key rotation
 * builds a new Provider and swaps it in here; everything that talks to the provider asks the host
 * for the current one. All protocol state lives in the store, so requests on either side of a swap
 * see the same sessions, grants and tokens.
 */
export class ProviderHost {
  constructor(private provider: Provider) {}

  get current(): Provider {
    return this.provider;
  }

  swap(next: Provider): void {
    this.provider = next;
  }
}
