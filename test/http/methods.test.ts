/** Wrong method → 405 `method_not_allowed` with `Allow`, derived from the app's routes; unknown paths stay 404. */
import { describe, expect, it } from 'vitest';
import { registeredActor, type TestActor } from '../helpers/actors';
import { get } from '../helpers/worker';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

async function expect405(res: Response, allow: string): Promise<Problem> {
  expect(res.status).toBe(405);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('allow')).toBe(allow);
  const body = (await res.json()) as Problem;
  expect(body).toMatchObject({ status: 405, code: 'method_not_allowed' });
  return body;
}

let actor: TestActor | undefined;
async function as(path: string, init: RequestInit = {}): Promise<Response> {
  actor ??= await registeredActor('human', ['contexts:read', 'contexts:write']);
  return get(path, { ...init, headers: { ...actor.auth, ...(init.headers as Record<string, string>) } });
}

describe('405 method_not_allowed', () => {
  it('GET /v1/contexts/create: the static POST route wins over GET /v1/contexts/{id} (was 400 "not a ChittyID")', async () => {
    const body = await expect405(await as('/v1/contexts/create'), 'POST');
    expect(body.detail).toBe('/v1/contexts/create does not take GET; use POST.');
  });

  it('PATCH /v1/contexts/list → Allow: GET, HEAD', async () => {
    await expect405(
      await as('/v1/contexts/list', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{}' }),
      'GET, HEAD',
    );
  });

  it('a parameterised path lists every method its routes take', async () => {
    await expect405(await as('/v1/contexts/01-C-ACT-0042-CONTEXT-QB-3-0', { method: 'PUT', body: '{}' }), 'DELETE, GET, HEAD, PATCH');
    await expect405(await as('/v1/keys/some-key', { method: 'GET' }), 'DELETE');
  });

  it('public routes too, without a credential: POST /health, GET on the webhook', async () => {
    await expect405(await get('/health', { method: 'POST' }), 'GET, HEAD');
    await expect405(await get('/integrations/github/webhook'), 'POST');
    await expect405(await get('/openapi.json', { method: 'DELETE' }), 'GET, HEAD');
  });

  it('a wrong method changes nothing: the write handler never runs', async () => {
    const res = await as('/v1/contexts/list', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"not-made"}',
    });
    await expect405(res, 'GET, HEAD');
    const list = (await (await as('/v1/contexts/list')).json()) as { contexts: { name: string }[] };
    expect(list.contexts.map((c) => c.name)).not.toContain('not-made');
  });

  it('right methods still pass (HEAD where GET is), and catch-all routes take any method', async () => {
    expect((await get('/health', { method: 'HEAD' })).status).toBe(200);
    expect((await as('/v1/contexts/list')).status).toBe(200);
    // The connection proxy is `all()`: a PUT reaches it (404: no such connection), not a 405.
    const proxied = await as('/v1/connections/conn_00000000000000000000000000000000/proxy/x', { method: 'PUT', body: 'raw' });
    expect(proxied.status).toBe(404);
    expect(((await proxied.json()) as Problem).code).toBe('connection_not_found');
  });

  it('unknown paths stay 404, with any method', async () => {
    expect((await as('/v1/contexts/list/extra', { method: 'DELETE' })).status).toBe(404);
    expect((await get('/nowhere', { method: 'POST' })).status).toBe(404);
  });

  it('under /v1 authentication comes first: an anonymous wrong method is 401, like an unknown path', async () => {
    const res = await get('/v1/contexts/create');
    expect(res.status).toBe(401);
    expect(res.headers.get('allow')).toBeNull();
  });
});
