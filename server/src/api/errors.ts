// Errors the API renders as { error: { code, message } }: vary `code`, not classes.
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
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
