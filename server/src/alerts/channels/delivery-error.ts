// The one error channels throw: the message goes to the alert history; `permanent` failures
// (refused target, 4xx answer, SMTP 5xx) are not retried.
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly permanent: boolean;
  constructor(message: string, opts: { permanent: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.permanent = opts.permanent;
  }
}
