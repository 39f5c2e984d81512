import { describe, expect, it } from 'vitest';
import { centralDay, nextCentralMidnight } from '#shared/marketo/central-time.ts';
import { classifyMarketoCode, DEFAULT_KIND, DEFAULT_RECORD_RULE, MarketoDailyQuotaError, marketoRecordRule, marketoRefusalSubject } from '#shared/marketo/errors.ts';
import { failureClass } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';

describe('Marketo error classification', () => {
  it.each([
    ['601', 'reauthenticate'],
    ['602', 'reauthenticate'],
    ['606', 'throttle'],
    ['615', 'throttle'],
    ['607', 'daily-quota'],
    ['604', 'transient'],
    ['608', 'transient'],
    ['611', 'transient'],
    ['614', 'transient'],
    ['713', 'transient'],
    ['1016', 'transient'],
    ['1019', 'transient'],
    ['1029', 'transient'],
    ['603', 'configuration'],
    ['605', 'configuration'],
    ['609', 'configuration'],
    ['610', 'configuration'],
    ['612', 'configuration'],
    ['1013', 'configuration'],
    ['1003', 'record'],
    ['1004', 'record'],
    ['1006', 'record'],
    ['1007', 'record'],
    ['1008', 'record'],
    ['1015', 'record'],
  ])('classifies %s as %s', (code, kind) => {
    expect(classifyMarketoCode(code)).toBe(kind);
  });

  it('treats a code it does not know as a configuration problem to surface, not to retry', () => {
    expect(DEFAULT_KIND).toBe('configuration');
    expect(classifyMarketoCode('799')).toBe('configuration');
  });
});

describe('the daily quota reset (midnight US Central)', () => {
  it.each([
    ['in winter (CST, UTC-6)', '2026-01-15T12:00:00Z', '2026-01-16T06:00:00.000Z'],
    ['in summer (CDT, UTC-5)', '2026-07-01T12:00:00Z', '2026-07-02T05:00:00.000Z'],
    ['the day before clocks go forward', '2026-03-07T12:00:00Z', '2026-03-08T06:00:00.000Z'],
    ['the day clocks go forward', '2026-03-08T12:00:00Z', '2026-03-09T05:00:00.000Z'],
    ['the day clocks go back', '2026-11-01T12:00:00Z', '2026-11-02T06:00:00.000Z'],
    ['late evening Central, already the next day in UTC', '2026-01-16T05:30:00Z', '2026-01-16T06:00:00.000Z'],
    ['exactly at midnight Central', '2026-01-16T06:00:00Z', '2026-01-17T06:00:00.000Z'],
    ['at the end of a year', '2026-12-31T20:00:00Z', '2027-01-01T06:00:00.000Z'],
  ])('is the next Central midnight %s', (_, now, expected) => {
    expect(new Date(nextCentralMidnight(Date.parse(now))).toISOString()).toBe(expected);
  });

  it('counts days in Central time', () => {
    expect(centralDay(Date.parse('2026-01-16T05:59:59Z'))).toBe('2026-01-15');
    expect(centralDay(Date.parse('2026-01-16T06:00:00Z'))).toBe('2026-01-16');
  });

  it('says when calls may resume without naming anything secret', () => {
    const error = MarketoDailyQuotaError.until('123-ABC-456', new Date('2026-01-16T06:00:00Z'));
    expect(error.kind).toBe('daily-quota');
    expect(error.code).toBe('607');
    expect(error.message).toContain('2026-01-16T06:00:00.000Z');
  });
});

describe('Marketo record-level codes, from the same table', () => {
  it.each([
    ['1004', { outcome: 'skipped', about: 'data', leadGone: true, absentFromList: true }],
    ['1007', { outcome: 'skipped', about: 'data' }],
    ['1015', { outcome: 'skipped', about: 'data', absentFromList: true }],
    ['1001', { outcome: 'failed', about: 'data' }],
    ['1003', { outcome: 'failed', about: 'data' }],
    ['1005', { outcome: 'failed', about: 'data' }],
    ['1006', { outcome: 'failed', about: 'setup' }],
    ['1008', { outcome: 'failed', about: 'setup' }],
    ['1009', { outcome: 'failed', about: 'setup' }],
    ['1010', { outcome: 'failed', about: 'setup' }],
  ])('says what %s means for the one person', (code, rule) => {
    expect(classifyMarketoCode(code)).toBe('record');
    expect(marketoRecordRule(code)).toEqual(rule);
  });

  it('counts a record refused with an unknown code, or none, as failed so someone looks', () => {
    expect(marketoRecordRule('1999')).toEqual(DEFAULT_RECORD_RULE);
    expect(marketoRecordRule('unspecified')).toEqual({ outcome: 'failed', about: 'data' });
  });
});

describe('what a refusal is about (setup or data), from the same table', () => {
  it.each([
    ['1006', 'setup'],
    ['1008', 'setup'],
    ['1009', 'setup'],
    ['1010', 'setup'],
    ['603', 'setup'],
    ['1013', 'setup'],
    ['610', 'setup'],
    ['1001', 'data'],
    ['1003', 'data'],
    ['1007', 'data'],
    ['1999', 'data'],
    ['too-many-records', 'data'],
  ])('%s is about %s', (code, about) => {
    expect(marketoRefusalSubject(code)).toBe(about);
  });

  it('is what the push clone classes a failed person by, transient codes apart', () => {
    expect(failureClass('1006')).toBe('setup');
    expect(failureClass('1008')).toBe('setup');
    expect(failureClass('603')).toBe('setup');
    expect(failureClass('1001')).toBe('data');
    expect(failureClass('608')).toBe('transient');
    expect(failureClass('no_result')).toBe('transient');
  });
});
