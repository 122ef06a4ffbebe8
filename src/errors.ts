// One error vocabulary for everything that is ours (protocol errors stay oidc-provider's own).
// `expose` says whether the message may be shown to the caller as is.

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly expose = status < 500,
  ) {
    super(message);
    this.name = new.target.name;
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
 * `temporarily_unavailable`, so callers retry instead of treating it as a bug. Shaped for both error
 * paths: oidc-provider's handler reads `expose`, `statusCode`, `message` (its error code) and
 * `error_description`; ours reads `status` and `error`.
 */
export class StoreUnavailableError extends Error {
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = true;
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'The service is briefly unavailable. Please try again in a few seconds.';

  constructor(options?: { cause?: unknown }) {
    super('temporarily_unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}
