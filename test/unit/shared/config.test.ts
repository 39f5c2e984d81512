import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#shared/config/index.ts';

describe('configuration', () => {
  it('fills defaults for an empty environment', () => {
    const config = parseConfig({});
    expect(config.TABLE_NAME).toBe('orgbridge');
    expect(config.MARKETO_CALLS_PER_WINDOW).toBe(50);
    expect(config.MARKETO_MAX_CONCURRENT).toBe(5);
  });

  it('names every offending variable', () => {
    expect(() => parseConfig({ MARKETO_CALLS_PER_WINDOW: '500', PUBLIC_BASE_URL: 'not a url' })).toThrow(ConfigError);
    try {
      parseConfig({ MARKETO_CALLS_PER_WINDOW: '500', PUBLIC_BASE_URL: 'not a url' });
    } catch (error) {
      expect((error as Error).message).toContain('MARKETO_CALLS_PER_WINDOW');
      expect((error as Error).message).toContain('PUBLIC_BASE_URL');
    }
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ DYNAMODB_ENDPOINT: '' }).DYNAMODB_ENDPOINT).toBeUndefined();
  });
});
