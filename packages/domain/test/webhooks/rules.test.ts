import { describe, expect, it } from 'vitest';
import { isLastAttempt, outcomeOf, retryDelaysMs, signingSecrets } from '../../src/webhooks/rules';

describe('webhook rules', () => {
  it('delivers on 2xx, stops for good on 410, retries everything else', () => {
    expect([200, 201, 204, 299].map(outcomeOf)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(outcomeOf(410)).toBe('gone');
    expect([null, 301, 400, 404, 429, 500, 503].map(outcomeOf)).toEqual(Array(7).fill('retry'));
  });

  it('spreads the default 8 attempts over about 21 hours', () => {
    const delays = retryDelaysMs(8, 600_000);
    expect(delays.map((ms) => ms / 60_000)).toEqual([10, 20, 40, 80, 160, 320, 640]);
    expect(delays.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(21.17, 1);
    expect([isLastAttempt(7, 8), isLastAttempt(8, 8)]).toEqual([false, true]);
  });

  it('signs with the replaced secret too, until its overlap ends', () => {
    const endpoint = { secret: 'new', previousSecret: 'old', previousSecretUntil: new Date('2026-12-06T00:00:00Z') };
    expect(signingSecrets(endpoint, new Date('2026-12-05T23:59:59Z'))).toEqual(['new', 'old']);
    expect(signingSecrets(endpoint, new Date('2026-12-06T00:00:00Z'))).toEqual(['new']);
    expect(signingSecrets({ secret: 'only', previousSecret: null, previousSecretUntil: null }, new Date())).toEqual(['only']);
  });
});
