/**
 * The emulator's `down` fault. Over the binding it is a 502 marked `x-emulator-fault: down` — an
 * answer, so workerd logs no uncaught exception and stack trace for it (a worker that throws, or
 * resolves to something that is not a Response, gets one logged for every request) — and the
 * worker's outbound fetch turns that answer into the rejection an unreachable host gives.
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { outboundFetch } from '../../src/ecosystem/from-env';
import { clearFaults, requestsTo, setFault, testHost } from '../helpers/emulator';

afterEach(clearFaults);

describe('the emulator’s down fault', () => {
  it('answers the binding with a marked 502 instead of failing the request, and logs it with status 0', async () => {
    const host = testHost('echo');
    await setFault(host, { mode: 'down', times: 1 });
    const res = await env.ECOSYSTEM.fetch(`https://${host}/x`);
    expect(res.status).toBe(502);
    expect(res.headers.get('x-emulator-fault')).toBe('down');
    expect(await res.json()).toMatchObject({ error: 'down', host });
    const [logged] = await requestsTo({ host });
    expect(logged).toMatchObject({ path: '/x', status: 0, fault: 'down' });
  });

  it('makes the worker’s outbound fetch reject as for an unreachable host; the next request goes through', async () => {
    const host = testHost('echo');
    await setFault(host, { mode: 'down', times: 1 });
    const send = outboundFetch(env);
    await expect(send(new Request(`https://${host}/x`))).rejects.toThrow(
      new TypeError(`Network connection lost: ${host} is unreachable (emulator fault "down")`),
    );
    expect((await send(new Request(`https://${host}/x`))).status).toBe(200);
  });

  it('leaves other answers alone, whatever their status: an injected 502 is still a response', async () => {
    const host = testHost('echo');
    await setFault(host, { mode: 'error', status: 502, times: 1 });
    const res = await outboundFetch(env)(new Request(`https://${host}/x`));
    expect(res.status).toBe(502);
    expect(res.headers.get('x-emulator-fault')).toBe('error');
  });
});
