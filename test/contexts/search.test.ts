/** Full-text search over contexts: ranked, owner-scoped, paginated, safe with any input. */
import { describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';

interface Hit {
  chittyId: string;
  name: string;
  rank: number;
}

describe('GET /v1/contexts/search', () => {
  it('finds by name and contents, best match first, by prefix, and pages with nextOffset', async () => {
    const a = await registeredActor('human');
    const tag = `zq${crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`;
    const make = async (name: string, data: unknown[], tools: string[] = []) =>
      ((await (await call('/v1/contexts/create', a.token, { method: 'POST', json: { name, data, tools } })).json()) as Hit).chittyId;
    const other = () => crypto.randomUUID().slice(0, 8);
    const strong = await make(`propulsion-${tag}`, [`${tag} propulsion notes`]); // in the name: weighs most
    const weak = await make(`misc-${other()}`, [
      `a long note that mentions ${tag} once among many other words about nothing in particular`,
    ]);
    const byTool = await make(`tooling-${other()}`, [], [`${tag}tool`]); // a prefix match in tools

    const res = await call(`/v1/contexts/search?q=${tag}`, a.token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { contexts: Hit[]; nextOffset: number | null };
    expect(body.contexts.map((c) => c.chittyId)).toEqual(expect.arrayContaining([strong, weak, byTool]));
    expect(body.contexts[0]?.chittyId).toBe(strong);
    const ranks = body.contexts.map((c) => c.rank);
    expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);

    const both = (await (await call(`/v1/contexts/search?q=${tag}+propuls`, a.token)).json()) as { contexts: Hit[] };
    expect(both.contexts.map((c) => c.chittyId)).toEqual([strong]);

    const page1 = (await (await call(`/v1/contexts/search?q=${tag}&limit=2`, a.token)).json()) as { contexts: Hit[]; nextOffset: number };
    expect(page1.contexts).toHaveLength(2);
    expect(page1.nextOffset).toBe(2);
    const page2 = (await (await call(`/v1/contexts/search?q=${tag}&limit=2&offset=2`, a.token)).json()) as {
      contexts: Hit[];
      nextOffset: number | null;
    };
    expect(page2.contexts).toHaveLength(1);
    expect(page2.nextOffset).toBeNull();
  });

  it('deleted contexts drop out of search; edits are searchable at once', async () => {
    const a = await registeredActor('human');
    const word = `kw${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const ctx = (await (await call('/v1/contexts/create', a.token, { method: 'POST', json: { name: `s-${word}` } })).json()) as Hit;
    const changed = `nw${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await call(`/v1/contexts/${ctx.chittyId}`, a.token, { method: 'PATCH', json: { data: [changed] }, headers: { 'if-match': '"1"' } });
    expect(((await (await call(`/v1/contexts/search?q=${changed}`, a.token)).json()) as { contexts: Hit[] }).contexts).toHaveLength(1);
    await call(`/v1/contexts/${ctx.chittyId}`, a.token, { method: 'DELETE' });
    expect(((await (await call(`/v1/contexts/search?q=${word}`, a.token)).json()) as { contexts: Hit[] }).contexts).toHaveLength(0);
  });

  it('FTS syntax in the query is just text: never a 5xx', async () => {
    const a = await registeredActor('human');
    for (const q of ['"unbalanced', 'a AND OR NOT', 'name:*', '(((', 'NEAR(a b)', '*', '-x', "'; DROP TABLE contexts; --"]) {
      const res = await call(`/v1/contexts/search?q=${encodeURIComponent(q)}`, a.token);
      expect(res.status, q).toBeLessThan(500);
    }
    const empty = await call('/v1/contexts/search?q=%20', a.token);
    expect(empty.status).toBe(400);
  });
});
