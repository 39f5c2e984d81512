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

/** Whether DynamoDB refused a request because of load: the caller should shed it (e.g. answer 503) or retry later. */
export { isThrottlingError } from '#shared/errors.ts';
