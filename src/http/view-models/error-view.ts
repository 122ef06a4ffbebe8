import { type Translate } from '../../i18n/translator.js';

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

/**
 * An error's words in the errors namespace: `friendly.<id>.heading` and `.message`, and its advice,
 * either one shared by many (go back to the app, tell its owner) or its own `friendly.<id>.advice`.
 */
type Friendly = { id: string; advice: 'errors:goBack' | 'errors:tellOwner' | 'own' };

const owner = (id: string): Friendly => ({ id, advice: 'errors:tellOwner' });
const back = (id: string): Friendly => ({ id, advice: 'errors:goBack' });
const own = (id: string): Friendly => ({ id, advice: 'own' });

/** Errors by their OAuth / OpenID Connect code (RFC 6749 4.1.2.1, OIDC Core 3.1.2.6) or Signet's own. */
const BY_CODE: Record<string, Friendly> = {
  invalid_client: owner('invalid_client'),
  invalid_redirect_uri: owner('invalid_redirect_uri'),
  unauthorized_client: owner('unauthorized_client'),
  invalid_scope: owner('invalid_scope'),
  invalid_target: owner('invalid_target'),
  unsupported_response_type: owner('unsupported_response_type'),
  access_denied: back('access_denied'),
  login_required: back('login_required'),
  consent_required: back('consent_required'),
  invalid_request: back('invalid_request'),
  invalid_grant: back('invalid_grant'),
  not_found: own('not_found'),
  temporarily_unavailable: own('temporarily_unavailable'),
  server_error: own('server_error'),
};

/** The library's own words for an interaction that cannot be found (its SessionNotFound errors). */
const EXPIRED_SIGN_IN = back('expired_sign_in');

const BY_STATUS: Record<number, Friendly> = {
  404: own('not_found'),
  405: own('405'),
  413: back('413'),
  414: back('414'),
  415: back('415'),
  429: own('429'),
  503: own('temporarily_unavailable'),
};

/**
 * Signet's own sentences for people (exposed AppErrors), by their key in `errors:said`: thrown in
 * English wherever they arise, and said in the page's language here. Those with a number or a list
 * in them are read back by pattern.
 */
const SAID = [
  'notFound',
  'methodNotAllowed',
  'csrf',
  'wrongStep',
  'formType',
  'formUnreadable',
  'postType',
  'tooManyParameters',
  'accountSessionEnded',
  'accountExpired',
  'accountRefused',
  'accountFailed',
  'accountEnded',
  'demoSessionEnded',
  'demoExpired',
  'demoRefused',
  'demoFailed',
  'demoEnded',
  'demoNoRefresh',
  'demoRefreshRefused',
] as const;

const SAID_WITH_VALUES: Array<{ pattern: RegExp; say: (m: RegExpExecArray, t: Translate) => string }> = [
  {
    pattern: /^The request URL is longer than (\d+) characters\.$/,
    say: (m, t) => t('errors:said.urlTooLong', { count: Number(m[1]) }),
  },
  {
    pattern: /^This request is missing a field or has one that is not valid: (.*)\.$/,
    say: (m, t) => t('errors:said.badField', { fields: m[1] }),
  },
];

/** One of our sentences in the page's language; one this table does not know stays as it was written. */
export function sayOwnWords(description: string, t: Translate, en: Translate): string {
  const key = SAID.find((k) => en(`errors:said.${k}`) === description);
  if (key) return t(`errors:said.${key}`);
  for (const { pattern, say } of SAID_WITH_VALUES) {
    const m = pattern.exec(description);
    if (m) return say(m, t);
  }
  return description;
}

function friendly(status: number, code: string | null, description: string | null): Friendly {
  if (
    description &&
    /session (id cookie )?not found|interaction session|authorization request has expired|cookie identifier mismatch|session mismatch/i.test(
      description,
    )
  ) {
    return EXPIRED_SIGN_IN;
  }
  if (status >= 500 && status !== 503) return own('server_error');
  return BY_STATUS[status] ?? (code ? BY_CODE[code] : undefined) ?? back('invalid_request');
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

/**
 * What a person sees for an error: plain words first, never a stack trace, no internal detail on a 5xx.
 * `t` is the page's language; `en` recognises our own sentences, which are thrown in English.
 */
export function errorView(input: ErrorInput, t: Translate, en: Translate = t): ErrorView {
  const { status, code } = input;
  const description = status >= 500 ? null : input.description;
  const f = friendly(status, code, description);
  const ownWords = input.plainWords === true && description !== null;
  const heading = t(`errors:friendly.${f.id}.heading`);
  return {
    title: heading,
    heading,
    message: ownWords ? sayOwnWords(description, t, en) : t(`errors:friendly.${f.id}.message`),
    advice: t(f.advice === 'own' ? `errors:friendly.${f.id}.advice` : f.advice),
    action: input.action === undefined ? { href: '/', label: t('common:homePage') } : input.action,
    code,
    // Our own sentence passed as a detail (the 404's) is said in the page's language; a library's stays.
    detail: ownWords || description === null ? null : sayOwnWords(description, t, en),
  };
}
