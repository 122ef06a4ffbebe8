import { ValidationError } from '../errors.js';

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
