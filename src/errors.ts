// One error vocabulary for everything that is ours (protocol errors stay oidc-provider's own).
// `expose` says whether the message may be shown to the caller as is.

/**
 * Every code an error of ours may carry: OAuth's where one fits (RFC 6749, 7591, OIDC Core), our own for
 * the rest. A closed list, so an error handler or a test can rely on it and nothing from outside (a query
 * string, a library message) becomes a code.
 */
export const APP_ERROR_CODES = [
  // OAuth and OpenID Connect
  'invalid_request',
  'invalid_grant',
  'access_denied',
  'login_required',
  'temporarily_unavailable',
  'invalid_redirect_uri',
  'invalid_client_metadata',
  // Signet's own
  'not_found',
  'conflict',
  'invalid_config',
  'import_failed',
  'mail_failed',
  'mail_unavailable',
  'outbound_refused',
  'invalid_csrf',
  'listen_failed',
  'server_error',
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly status = 500,
    readonly expose = status < 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** What a caller may be told about it, in words (the message, unless a subclass keeps them apart). */
  get description(): string {
    return this.message;
  }
}

export class ValidationError extends AppError {
  constructor(message: string) {
    super('invalid_request', message, 400);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message, 404);
  }
}

export class DuplicateError extends AppError {
  constructor(message: string) {
    super('conflict', message, 409);
  }
}

export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('invalid_config', `invalid configuration:\n  - ${problems.join('\n  - ')}`, 500, true);
  }
}

/**
 * The store cannot be reached right now (network, failover, disk): 503 with OAuth's
 * `temporarily_unavailable`, so callers retry instead of treating it as a bug. It is thrown from inside
 * oidc-provider too, whose handler reads `expose`, `statusCode`, `message` (as the error code) and
 * `error_description`: so the message is the code, and the words live in `error_description`.
 */
export class StoreUnavailableError extends AppError {
  readonly statusCode = 503;
  /** The OAuth field name for the code, as oidc-provider's own errors carry it. */
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'The service is briefly unavailable. Please try again in a few seconds.';

  constructor(options?: { cause?: unknown }) {
    super('temporarily_unavailable', 'temporarily_unavailable', 503, true, options);
  }

  override get description(): string {
    return this.error_description;
  }
}

/** How a caller names an input field: the CLI as its flag, an API as its member. */
export type FieldNamer = (field: string) => string;

/**
 * A refusal that names input fields by their domain names (NewClient's, ClientChanges'...). The message
 * is written through a namer, so each caller can show it in its own words (the CLI with its flags)
 * without the service knowing them.
 */
export class FieldError extends ValidationError {
  constructor(private readonly describe: (name: FieldNamer) => string) {
    super(describe((field) => field));
  }

  /** The same refusal with every field named the caller's way. */
  renamed(name: FieldNamer): ValidationError {
    return new ValidationError(this.describe(name));
  }
}
