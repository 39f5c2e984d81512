export { UMAPI_CLIENT_LIMITS, UmapiCallBudget } from './budget';
export type { UmapiBudgetLimits, UmapiCallKind } from './budget';
export { UMAPI_BASE_URL, UmapiClient } from './client';
export type { UmapiClientOptions } from './client';
export { UmapiError, UmapiRejectedError, UmapiThrottledError, UmapiUnavailableError } from './errors';
export { UmapiPager } from './pager';
export type { UmapiPage } from './pager';
export { retryAtFrom } from './retry-after';
export type { UmapiGroup, UmapiUser } from './schemas';
