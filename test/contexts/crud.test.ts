/** The contexts API through the worker and the emulator: CRUD, owner isolation, ETags, soft delete. */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { hasValidChecksum } from '../../src/ecosystem/chitty-id';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { clearFaults, setFault } from '../helpers/emulator';
import { waitForDelivery } from '../helpers/outbox';

afterEach(clearFaults);

interface Ctx {
  chittyId: string;
  name: string;
  owner: string;
  data: unknown[];
  systems: string[];
  tools: string[];
  status: string;
  version: number;
  dnaId: string | null;
  timelineId: string | null;
}

const unique = (prefix = 'ctx') => `${prefix}-${crypto.randomUUID().slice(0, 12)}`;

async function create(actor: TestActor, body: Record<string, unknown>): Promise<{ res: Response; ctx: Ctx }> {
  const res = await call('/v1/contexts/create', actor.token, { method: 'POST', json: body });
  return { res, ctx: (await res.clone().json()) as Ctx };
}

describe('contexts', () => {
  it('create mints a CONTEXT id, stores it with its outbox event, and DNA and Chronicle get it', async () => {
    const a = await registeredActor('human');
    const { res, ctx } = await create(a, { name: unique('rocket'), data: [{ note: 'fuel mix' }], systems: ['github'], tools: ['vim'] });
    expect(res.status).toBe(201);
    expect(ctx.chittyId).toMatch(/-CONTEXT-/);
    expect(hasValidChecksum(ctx.chittyId)).toBe(true);
    expect(ctx).toMatchObject({ owner: a.chittyId, status: 'active', version: 1, timelineId: ctx.chittyId });
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('location')).toBe(`/v1/contexts/${ctx.chittyId}`);
    const events = await env.DB.prepare("SELECT event_type FROM outbox WHERE aggregate = 'context' AND aggregate_id = ?")
      .bind(ctx.chittyId)
      .all();
    expect(events.results).toEqual([{ event_type: 'context.created' }]);

    expect(await waitForDelivery([ctx.chittyId])).toBe(0);
    const got = (await (await call(`/v1/contexts/${ctx.chittyId}`, a.token)).json()) as Ctx;
    expect(got.dnaId).toMatch(/^dna_/);
    const timeline = (await (await call(`/v1/contexts/${ctx.chittyId}/timeline`, a.token)).json()) as { events: { eventType: string }[] };
    expect(timeline.events.map((e) => e.eventType)).toContain('context.created');
  });

  it('get, list (cursor pages, filters), patch with If-Match, soft delete', async () => {
    const a = await registeredActor('human');
    const made: Ctx[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        (
          await create(a, {
            name: unique(`list${i}`),
            systems: i % 2 ? ['github'] : ['slack'],
            tools: ['vim'],
            status: i === 4 ? 'inactive' : 'active',
          })
        ).ctx,
      );
    }
    const first = (await (await call('/v1/contexts/list?limit=2', a.token)).json()) as { contexts: Ctx[]; nextCursor: string };
    expect(first.contexts.map((c) => c.chittyId)).toEqual([made[4]?.chittyId, made[3]?.chittyId]); // newest first
    const second = (await (await call(`/v1/contexts/list?limit=2&cursor=${first.nextCursor}`, a.token)).json()) as {
      contexts: Ctx[];
      nextCursor: string;
    };
    expect(second.contexts.map((c) => c.chittyId)).toEqual([made[2]?.chittyId, made[1]?.chittyId]);
    const third = (await (await call(`/v1/contexts/list?limit=2&cursor=${second.nextCursor}`, a.token)).json()) as {
      contexts: Ctx[];
      nextCursor: string | null;
    };
    expect(third.contexts.map((c) => c.chittyId)).toEqual([made[0]?.chittyId]);
    expect(third.nextCursor).toBeNull();

    const github = (await (await call('/v1/contexts/list?system=github', a.token)).json()) as { contexts: Ctx[] };
    expect(github.contexts.map((c) => c.chittyId).sort()).toEqual([made[1]?.chittyId, made[3]?.chittyId].sort());
    const inactive = (await (await call('/v1/contexts/list?status=inactive', a.token)).json()) as { contexts: Ctx[] };
    expect(inactive.contexts.map((c) => c.chittyId)).toEqual([made[4]?.chittyId]);
    const vim = (await (await call('/v1/contexts/list?tool=vim&limit=100', a.token)).json()) as { contexts: Ctx[] };
    expect(vim.contexts).toHaveLength(5);

    const target = made[0] as Ctx;
    const got = await call(`/v1/contexts/${target.chittyId}`, a.token);
    expect(got.headers.get('etag')).toBe('"1"');
    const patched = await call(`/v1/contexts/${target.chittyId}`, a.token, {
      method: 'PATCH',
      json: { data: ['updated'], tools: ['emacs'] },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(await patched.json()).toMatchObject({ data: ['updated'], tools: ['emacs'], version: 2 });
    const emacs = (await (await call('/v1/contexts/list?tool=emacs', a.token)).json()) as { contexts: Ctx[] };
    expect(emacs.contexts.map((c) => c.chittyId)).toEqual([target.chittyId]);

    expect((await call(`/v1/contexts/${target.chittyId}`, a.token, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/v1/contexts/${target.chittyId}`, a.token)).status).toBe(404);
    expect((await call(`/v1/contexts/${target.chittyId}`, a.token, { method: 'DELETE' })).status).toBe(404);
    const row = await env.DB.prepare('SELECT status, deleted_at FROM contexts WHERE chitty_id = ?').bind(target.chittyId).first();
    expect(row).toMatchObject({ status: 'deleted', deleted_at: expect.any(String) }); // kept
    const types = await env.DB.prepare('SELECT event_type FROM outbox WHERE aggregate_id = ? ORDER BY created_at')
      .bind(target.chittyId)
      .all();
    expect(types.results.map((r) => r.event_type)).toEqual(['context.created', 'context.updated', 'context.deleted']);
  });

  it('reads are cached per isolate and never stale after a write (the owner’s data version)', async () => {
    const a = await registeredActor('human');
    const { ctx } = await create(a, { name: unique('cache') });
    const path = `/v1/contexts/${ctx.chittyId}`;
    await call(path, a.token);
    const hot = await call(path, a.token);
    expect(hot.headers.get('x-cache')).toBe('hit');
    await call('/v1/contexts/list', a.token);
    expect((await call('/v1/contexts/list', a.token)).headers.get('x-cache')).toBe('hit');
    await call(path, a.token, { method: 'PATCH', json: { data: ['fresh'] }, headers: { 'if-match': hot.headers.get('etag') ?? '' } });
    const after = await call(path, a.token);
    expect(after.headers.get('x-cache')).toBeNull();
    expect(await after.json()).toMatchObject({ data: ['fresh'], version: 2 });
    const list = (await (await call('/v1/contexts/list', a.token)).json()) as { contexts: Ctx[] };
    expect(list.contexts.find((c) => c.chittyId === ctx.chittyId)?.version).toBe(2);
    // Another actor's write does not evict this owner's reads.
    const b = await registeredActor('human');
    await create(b, { name: unique('other') });
    expect((await call(path, a.token)).headers.get('x-cache')).toBe('hit');
  });

  it('ETag conflicts: a stale If-Match is 412 with the current ETag; a missing one is 428', async () => {
    const a = await registeredActor('human');
    const { ctx } = await create(a, { name: unique() });
    const path = `/v1/contexts/${ctx.chittyId}`;
    const first = await call(path, a.token, { method: 'PATCH', json: { data: [1] }, headers: { 'if-match': '"1"' } });
    expect(first.status).toBe(200);
    const stale = await call(path, a.token, { method: 'PATCH', json: { data: [2] }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBe('"2"');
    expect(((await stale.json()) as { code: string }).code).toBe('version_mismatch');
    const missing = await call(path, a.token, { method: 'PATCH', json: { data: [3] } });
    expect(missing.status).toBe(428);
    // Two writers with the same ETag at once: exactly one wins.
    const race = await Promise.all(
      [4, 5].map((n) => call(path, a.token, { method: 'PATCH', json: { data: [n] }, headers: { 'if-match': '"2"' } })),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 412]);
    const staleDelete = await call(path, a.token, { method: 'DELETE', headers: { 'if-match': '"1"' } });
    expect(staleDelete.status).toBe(412);
  });

  it('names are unique among live contexts; a deleted context’s name is reusable', async () => {
    const a = await registeredActor('human');
    const b = await registeredActor('human');
    const name = unique('shared');
    const { ctx } = await create(a, { name });
    const dup = await create(b, { name });
    expect(dup.res.status).toBe(409);
    expect(((await dup.res.json()) as { code: string }).code).toBe('name_taken');
    await call(`/v1/contexts/${ctx.chittyId}`, a.token, { method: 'DELETE' });
    const reused = await create(b, { name });
    expect(reused.res.status).toBe(201);
    expect(reused.ctx.chittyId).not.toBe(ctx.chittyId);
    const renamed = await create(a, { name: unique() });
    const clash = await call(`/v1/contexts/${renamed.ctx.chittyId}`, a.token, {
      method: 'PATCH',
      json: { name },
      headers: { 'if-match': '"1"' },
    });
    expect(clash.status).toBe(409);
  });

  it('owner isolation: B never sees or changes A’s contexts, even knowing the id', async () => {
    const a = await registeredActor('human');
    const b = await registeredActor('human');
    const word = `secretword${crypto.randomUUID().slice(0, 6)}`;
    const { ctx } = await create(a, { name: unique('private'), data: [word] });
    const path = `/v1/contexts/${ctx.chittyId}`;
    expect((await call(path, b.token)).status).toBe(404);
    expect((await call(path, b.token, { method: 'PATCH', json: { data: [] }, headers: { 'if-match': '"1"' } })).status).toBe(404);
    expect((await call(path, b.token, { method: 'DELETE' })).status).toBe(404);
    expect((await call(`${path}/timeline`, b.token)).status).toBe(404);
    const list = (await (await call('/v1/contexts/list?limit=100', b.token)).json()) as { contexts: Ctx[] };
    expect(list.contexts.map((c) => c.chittyId)).not.toContain(ctx.chittyId);
    const search = (await (await call(`/v1/contexts/search?q=${word}`, b.token)).json()) as { contexts: Ctx[] };
    expect(search.contexts).toHaveLength(0);
    expect((await call(path, a.token)).status).toBe(200);
  });

  it('authority down on create → 503 with Retry-After, and no row is left behind', async () => {
    const a = await registeredActor('human');
    const name = unique('nodown');
    await setFault('id.chitty.cc', { mode: 'error', status: 503, times: 1 });
    const res = await call('/v1/contexts/create', a.token, { method: 'POST', json: { name } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const row = await env.DB.prepare('SELECT 1 FROM contexts WHERE name = ?').bind(name).first();
    expect(row).toBeNull();
  });

  it('a key without contexts scopes cannot touch contexts; unregistered callers are refused', async () => {
    const a = await registeredActor('service');
    const key = (await (await call('/v1/keys', a.token, { method: 'POST', json: { name: 'ro', scopes: ['contexts:read'] } })).json()) as {
      apiKey: string;
    };
    const viaKey = (path: string, init: RequestInit = {}) =>
      call(path, '', { ...init, headers: { authorization: '', 'x-api-key': key.apiKey, ...(init.headers as Record<string, string>) } });
    expect((await viaKey('/v1/contexts/list')).status).toBe(200);
    const write = await viaKey('/v1/contexts/create', {
      method: 'POST',
      body: JSON.stringify({ name: unique() }),
      headers: { 'content-type': 'application/json' },
    });
    expect(write.status).toBe(403);
  });
});
