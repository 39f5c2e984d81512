/**
 * A conditional write lost: the item was not in the state the caller expected.
 * Built like every error class here: `new XError(message, { ...facts })`.
 */
export class ConditionFailedError extends Error {
  /** The item as it was when the condition failed, when DynamoDB returned it. */
  readonly existing: Record<string, unknown> | undefined;
  constructor(message: string, options: { existing?: Record<string, unknown> | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConditionFailedError';
    this.existing = options.existing;
  }
}

/** DynamoDB's throttling errors by name (SDK v3 error classes carry the service's error code as `name`). */
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/** Whether DynamoDB refused a request because of load: the caller should shed it (e.g. answer 503) or retry later. */
export function isThrottlingError(error: unknown): boolean {
  return error instanceof Error && THROTTLING_ERRORS.has(error.name);
}
