/** Client mistakes get 4xx problem+json with a stable code, through the worker. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { API_BODY_LIMIT_BYTES } from '../../src/http/body-limit';
import { registeredActor } from '../helpers/actors';
import { direct } from '../helpers/worker';

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

/** POST /v1/keys as a registered actor: a real JSON route with a strict body. */
async function postKeys(init: RequestInit): Promise<Response> {
  const actor = await registeredActor('human', ['reports:read']);
  return SELF.fetch('http://connect.test/v1/keys', {
    method: 'POST',
    ...init,
    headers: { ...actor.auth, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
}

const json = { 'content-type': 'application/json' };

describe('problem+json errors', () => {
  it('unknown route → 404 not_found', async () => {
    const body = await expectProblem(await SELF.fetch('http://connect.test/nope'), 404, 'not_found');
    expect(body.detail).toContain('/docs');
  });

  it('anything under /v1 without a credential → 401 first, so routes are not revealed', async () => {
    const res = await SELF.fetch('http://connect.test/v1/nope');
    await expectProblem(res, 401, 'missing_credential');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('oversized body → 413 payload_too_large, before any handler', async () => {
    const big = 'x'.repeat(API_BODY_LIMIT_BYTES + 1);
    await expectProblem(await SELF.fetch('http://connect.test/v1/anything', { method: 'POST', body: big }), 413, 'payload_too_large');
  });

  it('oversized body without a content-length (streamed) → 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    // Written by hand into a native stream, one chunk past the limit: the worker reads every byte
    // sent before it answers. (Pulled from a JS ReadableStream, the body's pump is cut off by the
    // 413 and workerd logs its rejection as an uncaught exception with a stack trace.)
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    const writing = (async () => {
      for (let sent = 0; sent <= API_BODY_LIMIT_BYTES; sent += chunk.length) await writer.write(chunk);
      await writer.close();
    })().catch(() => undefined); // a cut-off stream is the worker's right; the 413 is what counts
    const res = await SELF.fetch('http://connect.test/v1/keys', {
      method: 'POST',
      body: readable,
      headers: json,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(res, 413, 'payload_too_large');
    await writing;
  });

  it('malformed JSON → 400 malformed_json', async () => {
    const body = await expectProblem(await postKeys({ body: '{"name": ' }), 400, 'malformed_json');
    expect(body.detail).not.toContain('SyntaxError');
  });

  it('invalid fields → 400 validation_failed naming each field', async () => {
    const res = await postKeys({ body: JSON.stringify({ name: 'x'.repeat(101), scopes: [1], extra: true }) });
    const body = await expectProblem(res, 400, 'validation_failed');
    const fields = body.errors?.map((e) => e.field) ?? [];
    expect(fields).toContain('json.name');
    expect(fields).toContain('json.scopes.0');
    expect(body.detail).toMatch(/^json\./);
  });

  it('a missing field says "required" (in the body and in the query), a wrong type keeps zod\'s message', async () => {
    const body = await expectProblem(await postKeys({ body: JSON.stringify({ scopes: 'reports:read' }) }), 400, 'validation_failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'json.name', message: 'required' },
        { field: 'json.scopes', message: expect.stringContaining('expected array') },
      ]),
    );
    expect(body.detail).not.toContain('received undefined');
    const actor = await registeredActor('human', ['contexts:read']);
    const search = await expectProblem(
      await SELF.fetch('http://connect.test/v1/contexts/search', { headers: actor.auth }),
      400,
      'validation_failed',
    );
    expect(search.detail).toBe('query.q: required');
  });

  it('a body without Content-Type: application/json → 415 unsupported_media_type saying what to send', async () => {
    const none = await expectProblem(
      await postKeys({ body: JSON.stringify({ name: 'ok', scopes: ['reports:read'] }), headers: { 'content-type': '' } }),
      415,
      'unsupported_media_type',
    );
    expect(none.detail).toContain('Content-Type: application/json');
    const text = await expectProblem(
      await postKeys({ body: JSON.stringify({ name: 'ok', scopes: ['reports:read'] }), headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
    expect(text.detail).toBe(
      'This route takes a JSON body: send it with `Content-Type: application/json` (this request had Content-Type: text/plain).',
    );
    // A route whose body is optional refuses a body of another type as well, and still takes none.
    const actor = await registeredActor('human');
    const register = (init: RequestInit) =>
      SELF.fetch('http://connect.test/v1/actors/register', {
        method: 'POST',
        ...init,
        headers: { ...actor.auth, ...(init.headers as Record<string, string>) },
      });
    await expectProblem(
      await register({ body: 'displayName=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
    expect((await register({})).status).toBe(200);
  });

  it('a valid body passes', async () => {
    const res = await postKeys({ body: JSON.stringify({ name: 'ok', scopes: ['reports:read'] }) });
    expect(res.status).toBe(201);
  });

  it('a 5xx is logged once: with its detail when it has no cause (a missing secret), and 4xx are not logged', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const lines = () => [...warn.mock.calls, ...error.mock.calls].map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    const res = await direct(
      '/integrations/github/webhook',
      { method: 'POST', headers: { 'x-hub-signature-256': 'sha256=00' }, body: '{}' },
      { GITHUB_WEBHOOK_SECRET: '' },
    );
    const body = await expectProblem(res, 503, 'webhook_not_configured');
    expect(lines().filter((l) => l.event === 'request.failed')).toEqual([
      expect.objectContaining({
        level: 'warn',
        status: 503,
        code: 'webhook_not_configured',
        detail: body.detail,
        requestId: body.requestId,
      }),
    ]);
    warn.mockClear();
    error.mockClear();
    await expectProblem(await direct('/nowhere'), 404, 'not_found');
    expect(lines().filter((l) => l.event === 'request.failed')).toEqual([]);
    vi.restoreAllMocks();
  });
});
