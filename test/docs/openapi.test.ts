/**
 * The emitted OpenAPI document: valid for a real OpenAPI 3.1 validator (run in Node behind the
 * OPENAPI_CHECK binding, see vitest.config.ts), plain patterns, both credential schemes, the
 * servers, and `Idempotency-Key` on the writes that honour it.
 */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/worker';

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
}
interface Document {
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  components: { securitySchemes: Record<string, Record<string, string>> };
  paths: Record<string, Record<string, Operation>>;
}

// A test-only binding (a Node function), not part of the worker's Env.
const checker = (env as unknown as { OPENAPI_CHECK: Fetcher }).OPENAPI_CHECK;

async function check(document: unknown): Promise<string[]> {
  const res = await checker.fetch('http://check/', { method: 'POST', body: JSON.stringify(document) });
  expect(res.status).toBe(200);
  return (await res.json()) as string[];
}

function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => [path, method, op] as [string, string, Operation]),
  );
}

let text: string;
let doc: Document;

beforeAll(async () => {
  const res = await get('/openapi.json');
  expect(res.status).toBe(200);
  text = await res.text();
  doc = JSON.parse(text) as Document;
});

describe('the OpenAPI document', () => {
  it('passes the OpenAPI 3.1 validator and the pattern checks', async () => {
    expect(await check(doc)).toEqual([]);
  });

  it('the checker is not a rubber stamp: it flags a JS-literal pattern, a pattern that misses its example, and a broken document', async () => {
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    broken.components = {
      ...doc.components,
      schemas: {
        Suffixed: { type: 'string', pattern: '^[\\p{L}]+$/u' },
        Missed: { type: 'string', pattern: '^[a-z]+$', example: 'Not-Lower' },
      },
    };
    broken.info = { title: 'no version' };
    const problems = await check(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Suffixed/pattern ends in a JS regex flag suffix'),
        expect.stringContaining('Missed: example "Not-Lower" does not match'),
      ]),
    );
    expect(problems.length).toBeGreaterThan(2);
  });

  it('has no pattern with a JS regex literal tail (the context name was `…*$/u`)', () => {
    expect(text).not.toMatch(/"pattern":"[^"]*\/[a-z]+"/);
    expect(text).toContain('"pattern":"^[\\\\p{L}\\\\p{N}][\\\\p{L}\\\\p{N} ._:/-]*$"');
  });

  it('offers both credentials — bearer and X-API-Key — on every /v1 route and /mcp, and none on public ones', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    const ops = operations(doc);
    const v1 = ops.filter(([path]) => path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(20);
    expect(v1.filter(([, , op]) => op.security !== undefined).map(([p, m]) => `${m} ${p}`)).toEqual([]);
    // Outside /v1 everything is public but the MCP server, which takes the same credentials.
    const outside = ops.filter(([path]) => !path.startsWith('/v1/'));
    expect(outside.filter(([path, , op]) => path !== '/mcp' && op.security?.length !== 0).map(([p, m]) => `${m} ${p}`)).toEqual([]);
    expect(outside.filter(([path]) => path === '/mcp').map(([, m, op]) => [m, op.security])).toEqual([['post', undefined]]);
  });

  it('documents Idempotency-Key on every POST, PATCH and DELETE under /v1, and on no read', () => {
    const hasKey = (op: Operation) => (op.parameters ?? []).some((p) => p.name === 'Idempotency-Key' && p.in === 'header');
    const ops = operations(doc).filter(([path]) => path.startsWith('/v1/'));
    const writes = ops.filter(([, method]) => ['post', 'patch', 'delete'].includes(method));
    expect(writes.map(([p, m]) => `${m} ${p}`)).toEqual(
      expect.arrayContaining(['post /v1/contexts/create', 'patch /v1/contexts/{id}', 'delete /v1/keys/{keyId}']),
    );
    expect(writes.filter(([, , op]) => !hasKey(op)).map(([p, m]) => `${m} ${p}`)).toEqual([]);
    expect(ops.filter(([, method, op]) => method === 'get' && hasKey(op)).map(([p]) => p)).toEqual([]);
  });

  it('lists the servers: production, staging and local', () => {
    expect(doc.servers?.map((s) => s.url)).toEqual([
      'https://connect.chitty.cc',
      'https://connect-staging.chitty.cc',
      'http://127.0.0.1:8787',
    ]);
  });
});
