/**
 * The one error vocabulary of Muster. The engine and adapters throw these; the api maps them to HTTP
 * statuses and the gateway to WebSocket close codes, each exactly once, through the tables below.
 */
export const ERROR_CODES = [
  'malformed',
  'validation',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'illegal_transition',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  malformed: 400,
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** WebSocket close codes in the private range 4000–4999, mirroring the HTTP statuses. */
export const WS_CLOSE_CODE: Readonly<Record<ErrorCode, number>> = {
  malformed: 4400,
  validation: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  not_found: 4404,
  conflict: 4409,
  illegal_transition: 4409,
  payload_too_large: 4413,
  unsupported_media_type: 4415,
  rate_limited: 4429,
  unavailable: 4503,
  internal: 4500,
};

export interface FieldIssue {
  /** Path of the failing field, e.g. `data.severity` or `type`. */
  path: string;
  message: string;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    issues?: FieldIssue[];
    details?: Record<string, unknown>;
  };
}

export class MusterError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MusterError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export class ValidationError extends MusterError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], code: 'validation' | 'malformed' = 'validation') {
    const first = issues[0];
    super(code, first ? `${first.path || '(body)'}: ${first.message}` : 'invalid input');
    this.name = 'ValidationError';
    this.issues = issues;
  }

  override toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, issues: this.issues } };
  }
}

export class NotFoundError extends MusterError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} does not exist`, { what, id });
    this.name = 'NotFoundError';
  }
}

export class UnauthorizedError extends MusterError {
  constructor(message: string) {
    super('unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends MusterError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('forbidden', message, details);
    this.name = 'ForbiddenError';
  }
}

/** Optimistic concurrency: the stream is not at the version the writer expected. */
export class ConflictError extends MusterError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
    this.name = 'ConflictError';
  }
}

/** The command is not allowed in the aggregate's current state. */
export class IllegalTransitionError extends MusterError {
  readonly state: string;
  readonly allowed: readonly string[];
  constructor(streamType: string, command: string, state: string, allowed: readonly string[]) {
    super(
      'illegal_transition',
      `${command} is not allowed while the ${streamType} is ${state}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
      { command, state, allowed: [...allowed] },
    );
    this.name = 'IllegalTransitionError';
    this.state = state;
    this.allowed = allowed;
  }
}

export class UnavailableError extends MusterError {
  constructor(message: string, options?: ErrorOptions) {
    super('unavailable', message, undefined, options);
    this.name = 'UnavailableError';
  }
}

/**
 * Too many attempts (e.g. failed logins) in a window: the answer is 429 and says when to try again,
 * in `details.retryAfterSeconds` and, over HTTP, in the `Retry-After` header.
 */
export class RateLimitedError extends MusterError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', message, { retryAfterSeconds });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
