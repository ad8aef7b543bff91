/** Errors an operator call rejects with: each carries a stable `code`. */

/**
 * An operator call's argument has a field out of its shape (a session's `ttl_seconds`, a tag of
 * `setUserInfo`, a limit of `setLimits`): nothing changed. `field` names it as the body does
 * (`tags[3]`, `wager_day`).
 */
export class InvalidFieldError extends TypeError {
  readonly code = 'EXWALLET_INVALID_FIELD';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidFieldError';
  }
}

/**
 * The store cannot make an operator's change durable now (a failed journal write, an unreachable
 * database): nothing was changed, and the call may be tried again.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'EXWALLET_STORE_UNAVAILABLE';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
