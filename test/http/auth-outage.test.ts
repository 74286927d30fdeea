/**
 * ChittyAuth down: tokens already validated keep working (from the isolate cache or TOKEN_KV);
 * a token never seen before gets 503 with Retry-After. In its own file because the outage opens
 * this isolate's ChittyAuth circuit breaker.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, createActor, setFault } from '../helpers/emulator';

afterAll(clearFaults);

describe('ChittyAuth outage', () => {
  it('cached tokens still work; uncached ones get 503 with Retry-After', async () => {
    const known = await registeredActor('human');
    const stranger = await createActor('human');
    await setFault('auth.chitty.cc', { mode: 'down' });

    expect((await call('/v1/actors/me', known.token)).status).toBe(200);

    const res = await call('/v1/actors/me', stranger.token);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ code: 'auth_unavailable' });
  });
});
