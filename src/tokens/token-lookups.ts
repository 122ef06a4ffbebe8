import type { OidcModel } from '../storage/store.js';

/**
 * The models oidc-provider looks a presented value up in, all at once, when it does not know what the
 * value is (introspection and revocation without a matching token_type_hint: lib/helpers/token_find.js),
 * and keeps the first found in this order.
 */
const TRIED_TOGETHER: readonly OidcModel[] = ['AccessToken', 'ClientCredentials', 'RefreshToken'];

interface Lookup {
  model: OidcModel;
  found: Promise<boolean>;
}

/**
 * Within one request, a value found as one of those models is not looked up again as another: the
 * provider draws every token id at random, so a value names one token, and a value found as an access
 * token cannot also be a refresh token. Introspecting an access token then costs one store read instead
 * of three. A lookup waits for the ones the same request started earlier for the same value, and reads
 * only if none of them found it: the provider's first-found choice comes out the same, a miss costs the
 * same reads one after another instead of side by side.
 *
 * Nothing outlives its request (the lookups hang off the request object, weakly), and nothing is taken
 * from an earlier request: a token revoked a moment ago is read as gone by the next request.
 */
export class RequestTokenLookups {
  private readonly byRequest = new WeakMap<object, Map<string, Lookup[]>>();

  /** `request`: the request being served (oidc-provider's own context), undefined outside one. */
  constructor(private readonly request: () => object | undefined) {}

  /** Reads `key` as `model` with `read` (given the key), unless this request has already found it as another model. */
  find<T>(model: OidcModel, key: string, read: (key: string) => Promise<T | undefined>): Promise<T | undefined> {
    const request = this.request();
    if (!request || !TRIED_TOGETHER.includes(model)) return read(key);
    let lookups = this.byRequest.get(request);
    if (!lookups) {
      lookups = new Map();
      this.byRequest.set(request, lookups);
    }
    // Registered before anything is awaited, so a lookup the provider starts next in the same tick waits for this one.
    const earlier = (lookups.get(key) ?? []).filter((lookup) => lookup.model !== model);
    const result = (async () => {
      for (const lookup of earlier) if (await lookup.found) return undefined;
      return read(key);
    })();
    const found = result.then(
      (value) => value !== undefined,
      () => false,
    );
    lookups.set(key, [...(lookups.get(key) ?? []), { model, found }]);
    return result;
  }
}
