// Errors the API renders as { error: { code, message, details? }, detail }: vary `code`, not classes.
export class HttpError extends Error {
  override name = 'HttpError';
  /** Extra machine-readable context for 4xx answers (e.g. flattened validation issues). */
  public readonly details?: unknown;
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    opts?: { cause?: unknown; details?: unknown },
  ) {
    super(message, opts);
    this.details = opts?.details;
  }
  /** 4xx messages are meant for the caller; 5xx messages are hidden. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class ConflictError extends HttpError {
  override name = 'ConflictError';
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** The resource lives elsewhere now (a merged issue): answered 302 with Location, as Sentry does. */
export class MovedError extends HttpError {
  override name = 'MovedError';
  constructor(
    public readonly location: string,
    message: string,
  ) {
    super(302, 'resource-moved', message);
  }
}
