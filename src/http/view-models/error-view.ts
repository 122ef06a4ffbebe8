export type ErrorView = {
  title: string;
  heading: string;
  /** What happened, in plain words. */
  message: string;
  /** What the person can do about it. */
  advice: string;
  /** A way forward from the page, when there is one. */
  action: { href: string; label: string } | null;
  /** The technical code and the library's own words, shown small under the rest. */
  code: string | null;
  detail: string | null;
};

type Friendly = { heading: string; message: string; advice: string };

const GO_BACK = 'Go back to the app you came from and sign in again from there.';
const TELL_OWNER = 'There is nothing you can change here. If it keeps happening, tell the people who run the app.';

/** Errors by their OAuth / OpenID Connect code (RFC 6749 4.1.2.1, OIDC Core 3.1.2.6) or Signet's own. */
const BY_CODE: Record<string, Friendly> = {
  invalid_client: {
    heading: 'This app is not known to Signet',
    message: 'The app that sent you here is not registered with Signet, or its registration has changed.',
    advice: TELL_OWNER,
  },
  invalid_redirect_uri: {
    heading: 'This app cannot sign you in',
    message:
      'The app asked Signet to send you back to an address it has not registered, so Signet stopped here to protect you.',
    advice: TELL_OWNER,
  },
  unauthorized_client: {
    heading: 'This app cannot sign you in this way',
    message: 'The app asked for a kind of sign-in it is not allowed to use.',
    advice: TELL_OWNER,
  },
  invalid_scope: {
    heading: 'This app asked for something Signet does not offer',
    message: 'The app asked for access that Signet does not know or does not grant it.',
    advice: TELL_OWNER,
  },
  invalid_target: {
    heading: 'This app asked for something Signet does not offer',
    message: 'The app asked for access to a service that Signet does not know or does not grant it.',
    advice: TELL_OWNER,
  },
  unsupported_response_type: {
    heading: 'This app cannot sign you in this way',
    message: 'The app asked for a kind of sign-in Signet does not offer.',
    advice: TELL_OWNER,
  },
  access_denied: {
    heading: 'Access was not allowed',
    message: 'The request was denied, so nothing was shared with the app.',
    advice: GO_BACK,
  },
  login_required: {
    heading: 'Please sign in again',
    message: 'Your sign-in has ended.',
    advice: GO_BACK,
  },
  consent_required: {
    heading: 'Your permission is needed',
    message: 'The app needs your permission, and asked Signet not to show any page.',
    advice: GO_BACK,
  },
  invalid_request: {
    heading: 'This request cannot be completed',
    message: 'The link or form that brought you here was incomplete, changed, or is no longer valid.',
    advice: GO_BACK,
  },
  invalid_grant: {
    heading: 'This sign-in cannot be completed',
    message: 'The sign-in was already used, has expired, or belongs to another browser.',
    advice: GO_BACK,
  },
  not_found: {
    heading: 'Page not found',
    message: 'There is nothing at this address.',
    advice: 'Check the address, or start again from Signet’s home page.',
  },
  temporarily_unavailable: {
    heading: 'Signet is briefly unavailable',
    message: 'Signet cannot reach its storage at the moment. Nothing you did caused this.',
    advice: 'Wait a moment, then try again.',
  },
  server_error: {
    heading: 'Something went wrong',
    message: 'An unexpected error occurred on Signet’s side. Nothing you did caused this.',
    advice: 'Try again in a moment.',
  },
};

/** The library's own words for an interaction that cannot be found (its SessionNotFound errors). */
const EXPIRED_SIGN_IN: Friendly = {
  heading: 'This sign-in has expired',
  message: 'A sign-in is valid for a limited time, and only in the browser and tab that started it.',
  advice: GO_BACK,
};

const BY_STATUS: Record<number, Friendly> = {
  404: BY_CODE.not_found as Friendly,
  405: {
    heading: 'Not allowed',
    message: 'This address does not accept this kind of request.',
    advice: 'Start again from Signet’s home page.',
  },
  413: { heading: 'This request is too large', message: 'Signet received more data than it accepts.', advice: GO_BACK },
  414: {
    heading: 'This address is too long',
    message: 'The address that brought you here is longer than Signet accepts.',
    advice: GO_BACK,
  },
  415: {
    heading: 'This request cannot be completed',
    message: 'Signet does not accept data in this form.',
    advice: GO_BACK,
  },
  429: {
    heading: 'Too many attempts',
    message: 'Signet is pausing requests like this one for a while.',
    advice: 'Wait a few minutes, then try again.',
  },
  503: BY_CODE.temporarily_unavailable as Friendly,
};

function friendly(status: number, code: string | null, description: string | null): Friendly {
  if (
    description &&
    /session (id cookie )?not found|interaction session|authorization request has expired|cookie identifier mismatch|session mismatch/i.test(
      description,
    )
  ) {
    return EXPIRED_SIGN_IN;
  }
  if (status >= 500 && status !== 503) return BY_CODE.server_error as Friendly;
  return BY_STATUS[status] ?? (code ? BY_CODE[code] : undefined) ?? (BY_CODE.invalid_request as Friendly);
}

export interface ErrorInput {
  status: number;
  code: string | null;
  description: string | null;
  /**
   * True when the description is Signet's own sentence for people (an exposed AppError): it becomes the
   * message. A library's description is technical and only shown small, beside the code.
   */
  plainWords?: boolean;
  action?: { href: string; label: string } | null;
}

/** What a person sees for an error: plain words first, never a stack trace, no internal detail on a 5xx. */
export function errorView(input: ErrorInput): ErrorView {
  const { status, code } = input;
  const description = status >= 500 ? null : input.description;
  const f = friendly(status, code, description);
  const own = input.plainWords === true && description !== null;
  return {
    title: f.heading,
    heading: f.heading,
    message: own ? description : f.message,
    advice: f.advice,
    action: input.action === undefined ? { href: '/', label: 'Signet’s home page' } : input.action,
    code,
    detail: own ? null : description,
  };
}
