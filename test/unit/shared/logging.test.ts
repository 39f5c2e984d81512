import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskEmail, redactText, redactingReplacer, registerSecretValue } from '#shared/logging/logger.ts';

const render = (value: unknown) => JSON.stringify(value, redactingReplacer);

describe('log redaction', () => {
  it('never lets an email through, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.string(), fc.emailAddress(), fc.string(), (before, email, after) => {
        fc.pre(/\.[A-Za-z]{2,}$/.test(email));
        const line = render({ message: `${before} ${email} ${after}` });
        expect(line).not.toContain(email);
      }),
      { numRuns: 500 },
    );
  });

  it('masks an email the same way every time, so lines about one person can be joined', () => {
    expect(maskEmail('Jane@Example.com ')).toBe(maskEmail('jane@example.com'));
    expect(maskEmail('jane@example.com')).not.toBe(maskEmail('john@example.com'));
  });

  it('hides credential fields by name, nested or not', () => {
    const line = render({ clientSecret: 'abc', nested: { access_token: 'tok', Authorization: 'Bearer x' }, count: 3 });
    expect(line).toBe('{"clientSecret":"[REDACTED]","nested":{"access_token":"[REDACTED]","Authorization":"[REDACTED]"},"count":3}');
  });

  it('hides JWTs, bearer credentials and key=value secrets inside text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const text = redactText(`got ${jwt} and Bearer abc.def and client_secret=hunter22&x=1 and "password": "pw123"`);
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('abc.def');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('pw123');
    expect(text).toContain('x=1');
  });

  it('hides a JWT right after = or a quote, as in a URL or a JSON body', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(redactText(`callback?id_token=${jwt}&x=1`)).not.toContain(jwt);
    expect(redactText(`{"jwt":"${jwt}"}`)).not.toContain(jwt);
  });

  // Without bounded quantifiers each of these took seconds per 100 KB (every start position rescanned the
  // rest of the string), so a long logged value stalled the function; at 300 KB the test would not finish.
  it.each([
    ['a long run of letters', 'a'.repeat(300_000)],
    ['an @ followed by a long dotless run', `a@${'b'.repeat(300_000)}`],
    ['repeated JWT prefixes', 'eyJ'.repeat(100_000)],
    ['repeated secret keywords', 'secret'.repeat(50_000)],
  ])('redacts %s in one pass, leaving harmless text as it was', (_label, text) => {
    expect(redactText(text)).toBe(text);
  });

  it('scrubs any value the secret store handed out, wherever it appears', () => {
    registerSecretValue('zq-unguessable-value-9');
    expect(render({ message: 'vendor echoed zq-unguessable-value-9 back' })).not.toContain('zq-unguessable-value-9');
  });

  it('drops stack traces from logged errors', () => {
    expect(render({ error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x (file.ts:1:1)' } })).toBe('{"error":{"name":"Error","message":"boom"}}');
  });
});

describe('log redaction of counts', () => {
  it('keeps numbers under credential-like keys, since only text can be a credential', () => {
    expect(render({ tokenCalls: 2, token: 'abc' })).toBe('{"tokenCalls":2,"token":"[REDACTED]"}');
  });
});
