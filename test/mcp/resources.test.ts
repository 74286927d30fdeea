/** Contexts as MCP resources: the URI template, a paginated list of the caller's own, and reads. */
import { beforeAll, describe, expect, it } from 'vitest';
import installationCreated from '../fixtures/github/installation.created.json';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { delivery, runEvents } from '../helpers/github';
import { mcpClient, rawMcp } from '../helpers/mcp';

let owner: TestActor;
let stranger: TestActor;
const created: { chittyId: string; name: string }[] = [];

beforeAll(async () => {
  owner = await registeredActor('human');
  stranger = await registeredActor('human');
  // More than one page (50 a page).
  for (let i = 0; i < 55; i++) {
    const res = await call('/v1/contexts/create', owner.token, {
      method: 'POST',
      json: { name: `res-${i}-${crypto.randomUUID().slice(0, 8)}` },
    });
    expect(res.status).toBe(201);
    created.push((await res.json()) as { chittyId: string; name: string });
  }
});

describe('contexts as resources', () => {
  it('offer a URI template', async () => {
    const client = await mcpClient({ token: owner.token });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: 'chittyconnect://contexts/{id}', mimeType: 'application/json' }),
    ]);
    await client.close();
  });

  it('list the caller’s contexts page by page, each once, until there is no next cursor', async () => {
    const client = await mcpClient({ token: owner.token });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listResources(cursor ? { cursor } : {});
      pages++;
      expect(page.resources.length).toBeLessThanOrEqual(50);
      seen.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(created.map((c) => `chittyconnect://contexts/${c.chittyId}`).sort());
    await client.close();
  });

  it('read one as JSON; another actor’s, an unknown one or a foreign scheme is resource-not-found (-32002)', async () => {
    const [first] = created;
    if (!first) throw new Error('no contexts');
    const mine = await mcpClient({ token: owner.token });
    const { contents } = await mine.readResource({ uri: `chittyconnect://contexts/${first.chittyId}` });
    expect(contents).toHaveLength(1);
    expect(JSON.parse((contents[0] as { text: string }).text)).toMatchObject({ chittyId: first.chittyId, name: first.name });
    await mine.close();
    const other = await mcpClient({ token: stranger.token });
    for (const uri of [
      `chittyconnect://contexts/${first.chittyId}`,
      'chittyconnect://contexts/01-C-ACT-9999-CONTEXT-QB-1-0',
      'file:///etc/passwd',
    ]) {
      await expect(other.readResource({ uri })).rejects.toMatchObject({ code: -32002 });
    }
    await other.close();
  });

  it('a cursor that is not one is an invalid-params error, not a crash', async () => {
    const res = await rawMcp(
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'resources/list', params: { cursor: 'not-a-cursor' } }),
      owner.auth,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32602);
  });

  it('for an admin, repositories of the GitHub App follow the contexts in the same listing, and read as JSON', async () => {
    const admin = await registeredActor('human', ['admin']);
    await runEvents([delivery('installation', installationCreated)]); // chitty-labs/rocket
    const client = await mcpClient({ token: admin.token });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'chittyconnect://contexts/{id}',
      'chittyconnect://repositories/{owner}/{repo}',
    ]);
    const uris: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor ? { cursor } : {});
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
    } while (cursor);
    expect(uris).toContain('chittyconnect://repositories/chitty-labs/rocket');
    const { contents } = await client.readResource({ uri: 'chittyconnect://repositories/chitty-labs/rocket' });
    expect(JSON.parse((contents[0] as { text: string }).text)).toMatchObject({
      repository: { fullName: 'chitty-labs/rocket', installationId: 41001 },
    });
    await expect(client.readResource({ uri: 'chittyconnect://repositories/chitty-labs/nope' })).rejects.toMatchObject({ code: -32002 });
    await client.close();
    // A non-admin sees no repositories.
    const plain = await mcpClient({ token: owner.token });
    expect((await plain.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['chittyconnect://contexts/{id}']);
    await expect(plain.readResource({ uri: 'chittyconnect://repositories/chitty-labs/rocket' })).rejects.toMatchObject({ code: -32002 });
    await plain.close();
  });
});
