/**
 * A proxy call to a connection whose target is a ChittyOS service goes to that service's own
 * URL, yet never carries ChittyConnect's service tokens (`CHITTY_*_TOKEN`): the emulator records
 * a hash of the credential every request presented, so the test asserts what the service
 * received — nothing, or exactly the connection's own credentials — for each of the seven services.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES, TOKEN_SECRETS } from '../../src/ecosystem/services';
import { call, registeredActor } from '../helpers/actors';
import { requestsTo, tokenHash } from '../helpers/emulator';
import { createConnection } from './support';

/** The hashes of every ChittyOS service token the worker holds. */
async function ourTokenHashes(): Promise<Set<string>> {
  const hashes = new Set<string>();
  for (const name of SERVICE_NAMES) {
    const token = env[TOKEN_SECRETS[name]];
    if (typeof token !== 'string' || token === '') throw new Error(`test worker lacks ${TOKEN_SECRETS[name]}`);
    hashes.add(await tokenHash(token));
  }
  return hashes;
}

/** Proxies one GET through `connectionId` to a unique path and returns what the emulator logged for it. */
async function proxiedOnce(token: string, connectionId: string) {
  const path = `/probe-${crypto.randomUUID()}`;
  const res = await call(`/v1/connections/${connectionId}/proxy${path}`, token);
  expect(res.status).toBeLessThan(500);
  await res.body?.cancel();
  const logged = await requestsTo({ path });
  expect(logged).toHaveLength(1);
  return logged[0];
}

describe('proxy to a ChittyOS service: our service tokens never leave', () => {
  it.each(SERVICE_NAMES)('%s: without credentials the service sees no token at all', async (service) => {
    const ours = await ourTokenHashes();
    expect(ours.size).toBe(SERVICE_NAMES.length);
    const a = await registeredActor('human');
    const c = await createConnection(a, { source: { type: 'actor', id: a.chittyId }, target: { service } });
    const logged = await proxiedOnce(a.token, c.connectionId);
    expect(logged?.host.split('.')[0]).toBe(service);
    expect(logged?.tokenHash).toBeNull();
  });

  it.each(SERVICE_NAMES)('%s: with credentials the service sees exactly those, never ours', async (service) => {
    const ours = await ourTokenHashes();
    const a = await registeredActor('human');
    const own = `user-${service}-token-${crypto.randomUUID()}`;
    const c = await createConnection(a, { source: { type: 'actor', id: a.chittyId }, target: { service }, credentials: own });
    const logged = await proxiedOnce(a.token, c.connectionId);
    expect(logged?.host.split('.')[0]).toBe(service);
    expect(logged?.tokenHash).toBe(await tokenHash(own));
    expect(ours.has(logged?.tokenHash ?? '')).toBe(false);
  });
});
