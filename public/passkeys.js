// Passkeys in the browser, on top of SimpleWebAuthn's bundle (/assets/webauthn.js, loaded before this).
// Every passkey form works the same way: ask the server for a ceremony's options, let the browser talk to
// the authenticator, put its answer in the form's hidden field and submit the form as a person would.
// Without script, or without WebAuthn, the buttons stay hidden and the password forms are untouched.
(function () {
  'use strict';
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) return;

  /** The options for this form's ceremony: embedded in the page, or asked for with the form's CSRF token. */
  async function optionsFor(form) {
    if (form.dataset.options) return JSON.parse(form.dataset.options);
    const body = new window.URLSearchParams({ csrf: form.elements.namedItem('csrf').value });
    const response = await fetch(form.dataset.optionsUrl, { method: 'POST', body, credentials: 'same-origin' });
    if (!response.ok) throw new Error('options refused: ' + response.status);
    return response.json();
  }

  function submitWith(form, answer) {
    form.elements.namedItem('response').value = JSON.stringify(answer);
    form.submit();
  }

  /** Cancelling the browser's dialog is no error to show; anything else is said in the page's words. */
  function showFailure(form, error) {
    if (error && (error.name === 'AbortError' || error.name === 'NotAllowedError')) return;
    const status = form.querySelector('[data-passkey-status]');
    if (status) status.textContent = form.dataset.failed || 'The passkey did not work. Try again.';
  }

  async function ceremony(form, autofill) {
    const optionsJSON = await optionsFor(form);
    if (form.dataset.passkey === 'register') return webauthn.startRegistration({ optionsJSON });
    return webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
  }

  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const button = form.querySelector('button[data-passkey-button]');
    if (!button) continue;
    button.hidden = false;
    button.addEventListener('click', function () {
      ceremony(form, false).then(
        (answer) => submitWith(form, answer),
        (error) => showFailure(form, error),
      );
    });
    // On the login page the email field offers the site's passkeys among its suggestions (conditional UI).
    if (form.dataset.autofill === 'true') {
      webauthn.browserSupportsWebAuthnAutofill().then((supported) => {
        if (!supported) return;
        ceremony(form, true).then(
          (answer) => submitWith(form, answer),
          () => undefined,
        );
      });
    }
  }
})();
