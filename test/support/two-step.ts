// Adding an authenticator app on /account as a person does it: the password again, the secret read off
// the page, a first code from it. Shared by the suites that need an account with a second factor.

import { csrfFrom, formAction, hiddenFields, type BrowserSession, type Step } from './browser-session.js';

/**
 * In a browser signed in to /account (`home` is that page), adds an app: the page that showed the
 * secret, the secret, and the answer to the first code (the recovery codes, for a first factor).
 */
export async function addAuthenticatorApp(
  browser: BrowserSession,
  issuer: string,
  home: { body: string },
  password: string,
  codeFor: (secret: string) => string,
): Promise<{ added: Step; secret: string; confirmed: Step }> {
  const added = await browser.request(`${issuer}/account/two-step/add`, {
    form: { csrf: csrfFrom(home.body), name: 'Phone', password },
  });
  const secret = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(added.body)?.[1] ?? '';
  const confirmed = await browser.request(formAction(added.body, '/account/two-step/confirm'), {
    form: { ...hiddenFields(added.body, '/account/two-step/confirm'), code: codeFor(secret) },
  });
  return { added, secret, confirmed };
}
