/**
 * Rate limits per principal, counted exactly under concurrency. The test config gives the `ai`
 * tier a budget of 25 requests per minute (vitest.config.ts).
 */
import { describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';

describe('rate limiting', () => {
  it('lets exactly the tier’s budget through when requests arrive all at once, then 429 with Retry-After', async () => {
    const agent = await registeredActor('ai'); // registration itself is request 1 of 25
    const responses = await Promise.all(Array.from({ length: 40 }, () => call('/v1/actors/me', agent.token)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(24);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16);

    const limited = responses.find((r) => r.status === 429) as Response;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-limit')).toBe('25');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({ code: 'rate_limited', status: 429 });

    const ok = responses.find((r) => r.status === 200) as Response;
    expect(ok.headers.get('ratelimit-policy')).toBe('25;w=60');
    expect(Number(ok.headers.get('ratelimit-remaining'))).toBeLessThan(25);
  });

  it('is per principal: another actor of the same tier is unaffected', async () => {
    const a = await registeredActor('ai');
    const b = await registeredActor('ai');
    await Promise.all(Array.from({ length: 30 }, () => call('/v1/actors/me', a.token)));
    expect((await call('/v1/actors/me', a.token)).status).toBe(429);
    const res = await call('/v1/actors/me', b.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-remaining')).toBe('23');
  });

  it('a human has the larger human budget', async () => {
    const h = await registeredActor('human');
    const res = await call('/v1/actors/me', h.token);
    expect(res.headers.get('ratelimit-limit')).toBe('600');
  });
});
