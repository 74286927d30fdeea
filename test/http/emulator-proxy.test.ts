/** The development-only door to the emulator's control surface, and its absence elsewhere. */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { get } from '../helpers/worker';

describe('/_emulator (development only)', () => {
  it('creates a local actor whose token the emulated ChittyAuth accepts', async () => {
    const res = await get('/_emulator/actors', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'service', capabilities: ['contexts:read'] }),
    });
    expect(res.status).toBe(201);
    const actor = (await res.json()) as { chittyId: string; token: string };
    const check = await env.ECOSYSTEM.fetch('https://auth.chitty.cc/v1/auth/validate', {
      method: 'POST',
      headers: { authorization: `Bearer ${env.CHITTY_AUTH_SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: actor.token }),
    });
    expect(await check.json()).toMatchObject({ valid: true, actor: { chittyId: actor.chittyId, type: 'service' } });
  });

  it('passes the query string through', async () => {
    const res = await get('/_emulator/requests?host=nobody.example');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ requests: [] });
  });

  it('does not exist outside development', async () => {
    for (const overrides of [{ ENVIRONMENT: 'production' }, { ECOSYSTEM: undefined }]) {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request('http://connect.test/_emulator/faults'), { ...env, ...overrides }, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
