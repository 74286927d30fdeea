/**
 * Generated credentials (fast-check) against /v1 routes: arbitrary ASCII (control characters
 * included) and unicode strings, huge ones, JWT-shaped garbage (with our delegation `typ` or
 * not), `emk_`/`emu_` garbage, `Bearer` with odd spacing and case, several Authorization headers,
 * and both credential headers at once. Whatever arrives, the answer is a 400 or 401
 * problem+json: never a 5xx, never a 2xx, and the handler never runs.
 */
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { direct } from '../helpers/worker';

const NAME_PREFIX = `fuzz-${crypto.randomUUID().slice(0, 8)}`;

/** A header value cannot hold NUL, CR or LF: fetch refuses to build such a request at all. */
function headerSafe(value: string): string {
  return value.replace(/[\0\r\n]/g, '');
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const jsonSegment = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** Printable ASCII and every control character a header may carry (tab included). */
const asciiText = fc.string({ maxLength: 200, unit: fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c)) });

/** Non-ASCII goes out as its UTF-8 bytes; workerd warns once per such header, so these runs are fewer and short. */
const unicodeText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

const huge = fc
  .tuple(fc.integer({ min: 8_000, max: 120_000 }), fc.constantFrom('a', '.', '0', '=', '-', ' '))
  .map(([n, ch]) => `x${ch.repeat(n)}x`);

const jwtShaped = fc
  .tuple(
    fc.oneof(
      fc.record(
        {
          alg: fc.oneof(fc.constantFrom('EdDSA', 'none', 'HS256', 'RS256', ''), fc.string()),
          typ: fc.oneof(fc.constant('chitty-delegation+jwt'), fc.constant('JWT'), fc.string()),
          kid: fc.oneof(fc.string(), fc.integer(), fc.constant('__proto__'), fc.constant(null)),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ iss: fc.string(), sub: fc.string(), aud: fc.string(), exp: fc.integer(), jti: fc.string(), act: fc.jsonValue() }),
    ),
    fc.uint8Array({ maxLength: 96 }),
    fc.constantFrom('', '=', '.', '..'),
  )
  .map(([header, payload, sig, tail]) => `${jsonSegment(header)}.${jsonSegment(payload)}.${base64url(sig)}${tail}`);

function tokens(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    text,
    huge,
    jwtShaped,
    text.map((s) => `emu_${s}`),
    text.map((s) => `emk_${s}`),
  );
}

function bearerValues(token: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Bearer:', 'Basic', 'Token', ''),
      fc.stringMatching(/^[ \t]{0,3}$/),
      token,
      fc.constantFrom('', ' ', '\t', ' extra', ', Bearer x'),
    )
    .map(([scheme, gap, t, tail]) => `${scheme}${gap}${t}${tail}`);
}

type Credentials = [name: string, value: string][];

/** One Authorization, one X-API-Key, several Authorization headers, or both kinds at once. */
function credentials(text: fc.Arbitrary<string>): fc.Arbitrary<Credentials> {
  const token = tokens(text);
  const bearerValue = bearerValues(token);
  return fc.oneof(
    bearerValue.map((v): Credentials => [['authorization', v]]),
    token.map((v): Credentials => [['x-api-key', v]]),
    fc.array(bearerValue, { minLength: 2, maxLength: 4 }).map((vs): Credentials => vs.map((v) => ['authorization', v])),
    fc.tuple(token, bearerValue).map(
      ([key, auth]): Credentials => [
        ['x-api-key', key],
        ['authorization', auth],
      ],
    ),
  );
}

const routes = [
  { method: 'GET', path: '/v1/actors/me' },
  { method: 'GET', path: '/v1/contexts' },
  { method: 'GET', path: '/v1/keys' },
  { method: 'POST', path: '/v1/contexts/create', body: () => JSON.stringify({ name: `${NAME_PREFIX}-${crypto.randomUUID()}` }) },
  { method: 'POST', path: '/v1/delegate/validate', body: () => JSON.stringify({ token: 'x' }) },
  { method: 'DELETE', path: '/v1/keys/key_0123456789abcdef' },
] as const;

async function send(route: (typeof routes)[number], creds: Credentials): Promise<Response> {
  const headers = new Headers();
  for (const [name, value] of creds) headers.append(name, headerSafe(value));
  if ('body' in route) headers.set('content-type', 'application/json');
  return direct(route.path, { method: route.method, headers, body: 'body' in route ? route.body() : undefined });
}

describe('generated credentials (fast-check)', () => {
  const seen = new Map<string, number>();

  /** Sends each generated credential to a /v1 route: a 400 or 401 problem+json, nothing else. */
  function refusedEveryTime(text: fc.Arbitrary<string>, numRuns: number, seed: number): Promise<void> {
    return fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), credentials(text), async (route, creds) => {
        const res = await send(route, creds);
        const body = await res.text();
        const label = `${route.method} ${route.path} ${JSON.stringify(creds).slice(0, 300)} → ${res.status} ${body.slice(0, 200)}`;
        expect([400, 401], label).toContain(res.status);
        expect(res.headers.get('content-type'), label).toBe('application/problem+json');
        const code = (JSON.parse(body) as { code: string }).code;
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }),
      { numRuns, seed },
    );
  }

  it('ASCII, huge and JWT-shaped: 400 or 401 problem+json, never a 5xx or a 2xx', async () => {
    await refusedEveryTime(asciiText, 500, 20261130);
    // The generators reach the ways a credential is refused, not just one.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['invalid_api_key', 'invalid_credential', 'invalid_delegation_token', 'invalid_token']),
    );
  }, 120_000);

  it('unicode: the same', async () => {
    await refusedEveryTime(unicodeText, 60, 20261201);
  }, 60_000);

  it('no handler ran: nothing was created', async () => {
    const created = await env.DB.prepare("SELECT count(*) AS n FROM contexts WHERE name LIKE ? || '%'")
      .bind(NAME_PREFIX)
      .first<{ n: number }>();
    expect(created?.n).toBe(0);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(560); // every generated request was answered and counted
  });
});
