/**
 * Bad input to the contexts API is always a 4xx problem naming the field, never a 5xx — checked
 * case by case, then with ≥ 1,000 generated bodies thrown at create and patch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';
import { direct } from '../helpers/worker';

interface Problem {
  status: number;
  code: string;
  errors?: { field: string }[];
}

describe('bad input', () => {
  it('names the offending field', async () => {
    const a = await registeredActor('system');
    const cases: [unknown, string][] = [
      [{ name: 42 }, 'json.name'],
      [{ name: 'x'.repeat(129) }, 'json.name'],
      [{ name: '' }, 'json.name'],
      [{ name: '!bad start' }, 'json.name'],
      [{ name: 'ok', unknown: 1 }, 'json'],
      [{ name: 'ok', systems: Array.from({ length: 51 }, (_, i) => `s${i}`) }, 'json.systems'],
      [{ name: 'ok', tools: ['UPPER'] }, 'json.tools.0'],
      [{ name: 'ok', data: Array.from({ length: 101 }, () => 1) }, 'json.data'],
      [{ name: 'ok', data: ['x'.repeat(70_000)] }, 'json.data'],
      [{ name: 'ok', status: 'deleted' }, 'json.status'],
      [{ name: 'ok', systems: ['a', 'a'] }, 'json.systems'],
    ];
    for (const [body, field] of cases) {
      const res = await call('/v1/contexts/create', a.token, { method: 'POST', json: body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await res.json()) as Problem;
      expect(
        problem.errors?.map((e) => e.field).some((f) => f.startsWith(field)),
        `${field} in ${JSON.stringify(problem.errors)}`,
      ).toBe(true);
    }
    let nested: unknown = 'deep';
    for (let i = 0; i < 40; i++) nested = [nested];
    expect((await call('/v1/contexts/create', a.token, { method: 'POST', json: { name: 'ok', data: [nested] } })).status).toBe(400);
    const badId = await call('/v1/contexts/not-a-chitty-id', a.token);
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as Problem).errors?.[0]?.field).toBe('param.id');
    const badLimit = await call('/v1/contexts/list?limit=1000', a.token);
    expect(((await badLimit.json()) as Problem).errors?.[0]?.field).toBe('query.limit');
    expect((await call('/v1/contexts/list?cursor=garbage', a.token)).status).toBe(400);
    expect((await call('/v1/contexts/list?system=a&tool=b', a.token)).status).toBe(400);
  });

  it('1,200 generated bodies at create and patch: never a 5xx', async () => {
    const a = await registeredActor('system');
    const target = (await (
      await call('/v1/contexts/create', a.token, { method: 'POST', json: { name: `fuzz-${crypto.randomUUID()}` } })
    ).json()) as {
      chittyId: string;
    };
    const field = fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.constant(null)), { maxLength: 60 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
    );
    const body = fc.oneof(
      fc.record({ name: field, data: field, systems: field, tools: field, status: field, extra: field }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 4 }),
      fc.string({ maxLength: 200 }).map((s) => ({ raw: s })),
    );
    let count = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (generated, isCreate) => {
        count++;
        const raw = typeof generated === 'object' && generated !== null && 'raw' in generated && Object.keys(generated).length === 1;
        const res = await direct(isCreate ? '/v1/contexts/create' : `/v1/contexts/${target.chittyId}`, {
          method: isCreate ? 'POST' : 'PATCH',
          headers: { ...a.auth, 'content-type': 'application/json', 'if-match': '"1"' },
          body: raw ? String((generated as { raw: string }).raw) : JSON.stringify(generated),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(generated).slice(0, 200)}: ${await res.text()}`);
        await res.body?.cancel();
      }),
      { numRuns: 1_200, seed: 20261126 },
    );
    expect(count).toBeGreaterThanOrEqual(1_000);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  }, 120_000);
});
