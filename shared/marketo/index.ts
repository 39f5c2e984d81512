export { MarketoClient, MAX_RECORDS_PER_CALL, type MarketoClientOptions, type SyncAction, type SyncLeadsRequest, type LeadFieldValue } from './client';
export { CallBudget, budgetForInstance, budgetOptionsFromConfig, DEFAULT_SKEW_MARGIN_MS, type BudgetSlot, type CallBudgetOptions } from './call-budget';
export {
  classifyMarketoCode,
  DEFAULT_KIND,
  DEFAULT_RECORD_RULE,
  marketoRecordRule,
  marketoRefusalSubject,
  MarketoError,
  MarketoAuthError,
  MarketoConfigError,
  MarketoDailyQuotaError,
  MarketoRequestError,
  MarketoUnavailableError,
  type MarketoErrorKind,
  type MarketoRecordRule,
  type MarketoRefusalSubject,
} from './errors';
export { centralDay, nextCentralMidnight } from './central-time';
export { csvField, CsvSyntaxError, parseCsv, toCsv, type CsvValue } from './csv';
export { processTokenCache, MarketoTokenCache, type MarketoCredentials } from './token-provider';
export type { CallGate, CallKind, MarketoClientStats } from './transport';
export type {
  AddToListResult,
  DailyUsage,
  ExportStatus,
  ImportStatus,
  LeadExportRequest,
  LeadField,
  MarketoLead,
  MarketoPartition,
  MarketoReason,
  MarketoStaticList,
  MemberOfListResult,
  RemoveFromListResult,
  SyncLeadResult,
} from './schemas';
