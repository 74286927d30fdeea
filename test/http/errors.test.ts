/**
 * Client mistakes get 4xx problem+json with a stable code, through the worker. Malformed JSON and
 * validation are exercised on a JSON route mounted on the real app (the platform has no
 * JSON-taking public route of its own yet; the features that add them test them the same way).
 */

import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { API_BODY_LIMIT_BYTES } from '../../src/http/body-limit';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Problem;
  expect(body).toMatchObject({ status, code });
  expect(body.type).toContain(code);
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  return body;
}

/** The real app plus one JSON route, driven like the worker drives it. */
function appWithJsonRoute() {
  const app = createApp();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/echo',
      request: {
        body: {
          content: { 'application/json': { schema: z.object({ name: z.string().max(10), tags: z.array(z.string()).max(3) }).strict() } },
        },
      },
      responses: { 200: { description: 'echo' } },
    }),
    (c) => c.json(c.req.valid('json'), 200),
  );
  return async (init: RequestInit) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request('http://connect.test/v1/echo', { method: 'POST', ...init }), env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

const json = { 'content-type': 'application/json' };

describe('problem+json errors', () => {
  it('unknown route → 404 not_found', async () => {
    const body = await expectProblem(await SELF.fetch('http://connect.test/v1/nope'), 404, 'not_found');
    expect(body.detail).toContain('/docs');
  });

  it('oversized body → 413 payload_too_large, before any handler', async () => {
    const big = 'x'.repeat(API_BODY_LIMIT_BYTES + 1);
    await expectProblem(await SELF.fetch('http://connect.test/v1/anything', { method: 'POST', body: big }), 413, 'payload_too_large');
  });

  it('oversized body without a content-length (streamed) → 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > API_BODY_LIMIT_BYTES) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const call = appWithJsonRoute();
    await expectProblem(await call({ body: stream, headers: json, duplex: 'half' } as RequestInit), 413, 'payload_too_large');
  });

  it('malformed JSON → 400 malformed_json', async () => {
    const call = appWithJsonRoute();
    const body = await expectProblem(await call({ body: '{"name": ', headers: json }), 400, 'malformed_json');
    expect(body.detail).not.toContain('SyntaxError');
  });

  it('invalid fields → 400 validation_failed naming each field', async () => {
    const call = appWithJsonRoute();
    const res = await call({ body: JSON.stringify({ name: 'far too long a name', tags: [1], extra: true }), headers: json });
    const body = await expectProblem(res, 400, 'validation_failed');
    const fields = body.errors?.map((e) => e.field) ?? [];
    expect(fields).toContain('json.name');
    expect(fields).toContain('json.tags.0');
    expect(body.detail).toMatch(/^json\./);
  });

  it('a valid body passes', async () => {
    const call = appWithJsonRoute();
    const res = await call({ body: JSON.stringify({ name: 'ok', tags: ['a'] }), headers: json });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'ok', tags: ['a'] });
  });
});
