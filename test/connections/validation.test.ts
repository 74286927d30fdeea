/**
 * Bad input to the connections API is a 4xx problem naming the field — never a 5xx: hand-picked
 * cases (wrong types, long strings, unknown fields, huge arrays, deep nesting, invalid ids), and
 * a property test that throws at least 1,000 generated bodies at POST /v1/connections.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { callWithEnv, postConnection } from './support';

let actor: TestActor;
beforeAll(async () => {
  // One system actor (10,000 requests/min) for the whole file.
  actor = await registeredActor('system');
});

interface Problem {
  code: string;
  errors?: { field: string; message: string }[];
}

const self = () => ({ type: 'actor', id: actor.chittyId });
const http = (endpoint = `https://echo.${crypto.randomUUID().slice(0, 8)}.test/v1`) => ({ service: 'http', endpoint });
const deep = (levels: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
};

describe('POST /v1/connections: bad input names the field', () => {
  const cases: [string, () => unknown, string][] = [
    ['no fields', () => ({}), 'json.source'],
    ['source type', () => ({ source: { type: 'robot', id: actor.chittyId }, target: http() }), 'json.source.type'],
    ['source id type', () => ({ source: { type: 'actor', id: 123 }, target: http() }), 'json.source.id'],
    ['source id too long', () => ({ source: { type: 'actor', id: 'A'.repeat(65) }, target: http() }), 'json.source.id'],
    ['unknown service', () => ({ source: self(), target: { service: 'ftp' } }), 'json.target.service'],
    ['http without endpoint', () => ({ source: self(), target: { service: 'http' } }), 'json.target.endpoint'],
    ['endpoint scheme', () => ({ source: self(), target: http('ftp://files.example.com/x') }), 'json.target.endpoint'],
    ['endpoint user info', () => ({ source: self(), target: http('https://u:p@api.example.com') }), 'json.target.endpoint'],
    ['endpoint too long', () => ({ source: self(), target: http(`https://api.example.com/${'a'.repeat(3000)}`) }), 'json.target.endpoint'],
    [
      'ChittyOS endpoint elsewhere',
      () => ({ source: self(), target: { service: 'dna', endpoint: 'https://evil.example.com/x' } }),
      'json.target.endpoint',
    ],
    ['type', () => ({ source: self(), target: http(), type: 'socket' }), 'json.type'],
    ['config not an object', () => ({ source: self(), target: http(), config: [1, 2] }), 'json.config'],
    ['config too deep', () => ({ source: self(), target: http(), config: { x: deep(20) } }), 'json.config'],
    ['config too big', () => ({ source: self(), target: http(), config: { x: 'a'.repeat(5000) } }), 'json.config'],
    ['auth scheme', () => ({ source: self(), target: http(), config: { auth: { scheme: 'digest' } } }), 'json.config.auth'],
    ['auth header Host', () => ({ source: self(), target: http(), config: { auth: { header: 'Host' } } }), 'json.config.auth.header'],
    ['timeout', () => ({ source: self(), target: http(), config: { timeoutMs: 600_000 } }), 'json.config.timeoutMs'],
    ['auth without credentials', () => ({ source: self(), target: http(), config: { auth: { scheme: 'bearer' } } }), 'json.credentials'],
    ['credentials type', () => ({ source: self(), target: http(), credentials: 123 }), 'json.credentials'],
    ['credentials empty', () => ({ source: self(), target: http(), credentials: '' }), 'json.credentials'],
    ['credentials too long', () => ({ source: self(), target: http(), credentials: 'a'.repeat(5000) }), 'json.credentials'],
    ['credentials with a line break', () => ({ source: self(), target: http(), credentials: 'abc\r\nX-Evil: 1' }), 'json.credentials'],
    [
      'basic needs username/password',
      () => ({ source: self(), target: http(), config: { auth: { scheme: 'basic' } }, credentials: 'x' }),
      'json.credentials',
    ],
    ['object credentials, no auth', () => ({ source: self(), target: http(), credentials: { user: 'x' } }), 'json.config.auth'],
    [
      'too many credential entries',
      () => ({ source: self(), target: http(), credentials: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])) }),
      'json.credentials',
    ],
    ['tags not an array', () => ({ source: self(), target: http(), tags: 'a,b' }), 'json.tags'],
    ['huge tags array', () => ({ source: self(), target: http(), tags: Array.from({ length: 10_000 }, (_, i) => `t${i}`) }), 'json.tags'],
    ['tag too long', () => ({ source: self(), target: http(), tags: ['a'.repeat(65)] }), 'json.tags.0'],
    ['metadata array', () => ({ source: self(), target: http(), metadata: [] }), 'json.metadata'],
    ['metadata too big', () => ({ source: self(), target: http(), metadata: { x: 'a'.repeat(5000) } }), 'json.metadata'],
    ['unknown field', () => ({ source: self(), target: http(), owner: 'someone-else' }), 'json'],
    ['unknown nested field', () => ({ source: { ...self(), extra: 1 }, target: http() }), 'json.source'],
    ['a body that is an array', () => [], 'json'],
  ];
  for (const [name, body, field] of cases) {
    it(name, async () => {
      const res = await postConnection(actor, body());
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await res.json()) as Problem;
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    });
  }

  it('nesting 10,000 levels deep (a stack-overflow attempt) is a 400, not a 5xx', async () => {
    const nested = `${'{"n":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const head = JSON.stringify({ source: self(), target: http() }).slice(0, -1);
    for (const field of ['metadata', 'config']) {
      const res = await call('/v1/connections', actor.token, {
        method: 'POST',
        body: `${head},"${field}":{"x":${nested}}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as Problem).errors?.map((e) => e.field)).toContain(`json.${field}`);
    }
  });

  it('malformed JSON is 400 malformed_json', async () => {
    const res = await call('/v1/connections', actor.token, {
      method: 'POST',
      body: '{"source":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).code).toBe('malformed_json');
  });

  it('invalid ids in the path name param.id', async () => {
    for (const [path, method] of [
      ['/v1/connections/abc', 'GET'],
      ['/v1/connections/abc', 'DELETE'],
      ['/v1/connections/conn_XYZ/status', 'GET'],
      [`/v1/connections/conn_${'a'.repeat(33)}`, 'GET'],
    ] as const) {
      const res = await call(path, actor.token, { method });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as Problem).errors?.map((e) => e.field)).toContain('param.id');
    }
  });
});

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const nearlyValid = fc.record({
  source: fc.oneof(
    fc.constant({ type: 'actor', id: 'SELF' }),
    fc.record({ type: fc.oneof(fc.constantFrom('actor', 'context'), fc.string()), id: fc.oneof(fc.string(), fc.integer()) }),
  ),
  target: fc.record({
    service: fc.oneof(fc.constantFrom('http', 'id', 'dna', 'verify', 'chronicle'), fc.string()),
    endpoint: maybe(fc.oneof(fc.webUrl(), fc.string(), fc.constant('https://echo.fuzz.test/x'), fc.integer())),
  }),
  type: maybe(fc.oneof(fc.constantFrom('api', 'webhook', 'oauth', 'direct'), fc.string())),
  config: maybe(
    fc.oneof(
      fc.record({
        auth: fc.oneof(fc.constant({ scheme: 'bearer' }), fc.constant({ scheme: 'basic' }), fc.record({ header: fc.string() })),
      }),
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()),
    ),
  ),
  credentials: maybe(fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.string()), fc.jsonValue())),
  tags: maybe(fc.oneof(fc.array(fc.string()), fc.jsonValue())),
  metadata: maybe(fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue())),
  extra: maybe(fc.jsonValue()),
});

// The worker's fetch is called directly (the whole app: middleware, auth, rate limit, routes):
// in this pool version each SELF.fetch gets slower with every earlier one in the file, so 1,000
// requests through SELF would take minutes.
const valid = fc.record(
  {
    source: fc.constant({ type: 'actor', id: 'SELF' }),
    target: fc.oneof(
      fc.record({ service: fc.constant('http'), endpoint: fc.webUrl({ validSchemes: ['https', 'http'] }) }),
      fc.record({ service: fc.constantFrom('dna', 'verify', 'chronicle', 'id') }),
    ),
    type: fc.constantFrom('api', 'webhook', 'oauth', 'direct'),
    config: fc.record({ timeoutMs: fc.integer({ min: 100, max: 10_000 }), note: fc.string() }, { requiredKeys: [] }),
    credentials: fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.record({ token: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) })),
    tags: fc.array(fc.stringMatching(/^[\w.:/-]{1,20}$/), { maxLength: 5 }),
    metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  },
  { requiredKeys: ['source', 'target'] },
);

describe('generated bodies', () => {
  it('1,000+ random bodies at POST /v1/connections: never a 5xx, every refusal a problem', { timeout: 60_000 }, async () => {
    let statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: nearlyValid, weight: 3 }, fc.jsonValue(), fc.anything()),
        async (generated) => {
          const body = JSON.parse(JSON.stringify(generated ?? null).replaceAll('"SELF"', JSON.stringify(actor.chittyId)));
          const res = await callWithEnv({}, '/v1/connections', actor.token, { method: 'POST', json: body });
          statuses = { ...statuses, [res.status]: (statuses[res.status] ?? 0) + 1 };
          expect(res.status, JSON.stringify(body).slice(0, 500)).toBeLessThan(500);
          if (res.status >= 400) expect(res.headers.get('content-type')).toBe('application/problem+json');
          await res.body?.cancel();
        },
      ),
      { numRuns: 1_000, endOnFailure: true },
    );
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_000);
    expect(statuses[201] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
  });
});
