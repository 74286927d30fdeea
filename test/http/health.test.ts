/** /health, the API description and docs, through the worker. */
import { describe, expect, it } from 'vitest';
import { hasValidChecksum } from '../../src/ecosystem/chitty-id';
import { get, waitForInit } from '../helpers/worker';

describe('GET /health', () => {
  it('answers 200, and initialisation completes against the emulator', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await waitForInit(10_000, '?probe=true');
    expect(body.init.state).toBe('complete');
    expect(body.status).toBe('ok');
    expect(body.database.status).toBe('ready');
    for (const step of ['mint', 'dna', 'keys', 'register', 'verify', 'certify', 'store', 'log']) {
      expect(body.init.steps[step]?.status, step).toBe('done');
    }
    expect(hasValidChecksum(body.init.chittyId ?? '')).toBe(true);
    for (const service of ['id', 'auth', 'registry', 'dna', 'verify', 'certify', 'chronicle']) {
      expect(body.ecosystem[service]?.status, service).toBe('healthy');
    }
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('gives every response a request id, and keeps a well-formed incoming one', async () => {
    const a = await get('/health');
    const b = await get('/health');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    const kept = await get('/health', { headers: { 'x-request-id': 'caller-supplied-123' } });
    expect(kept.headers.get('x-request-id')).toBe('caller-supplied-123');
    const replaced = await get('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });
});

describe('API description', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document generated from the routes', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: object } };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health']).toBeDefined();
    for (const path of ['/v1/actors/register', '/v1/contexts/create', '/v1/connections', '/v1/delegate', '/integrations/github/webhook']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas).toHaveProperty('Health');
  });

  it('GET /docs renders the reference without any external script', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/health');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('GET / points to docs and health', async () => {
    expect(await (await get('/')).json()).toMatchObject({ docs: '/docs', health: '/health' });
  });
});
