/**
 * The webhook's fast path, through the worker: signature checked (current and previous secret),
 * one queue send and 202, nothing else; refusals are problem+json with the right status.
 */
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PAYLOAD_DEPTH } from '../../src/github/webhook/routes';
import prOpened from '../fixtures/github/pull_request.opened.json';
import { counted } from '../helpers/github';
import { direct } from '../helpers/worker';

const encoder = new TextEncoder();

async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A queue binding that records what is sent (the outside world's queue, not our code). */
function recordingQueue(fail = false) {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => {
      if (fail) throw new Error('queue unavailable');
      sent.push(body);
    },
    sendBatch: async () => {
      throw new Error('not used on the webhook path');
    },
  } as unknown as Queue<unknown>;
  return { sent, queue };
}

async function deliver(body: string, headers: Record<string, string>, envOverride: Partial<Cloudflare.Env> = {}): Promise<Response> {
  return direct(
    '/integrations/github/webhook',
    { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } },
    envOverride,
  );
}

const secret = () => env.GITHUB_WEBHOOK_SECRET as string;

/** Signed with the configured secret, as GitHub does, with any event and a fresh delivery id. */
async function deliverSigned(body: string, envOverride: Partial<Cloudflare.Env>, event = 'issues'): Promise<Response> {
  return deliver(
    body,
    { 'x-github-event': event, 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await sign(secret(), body) },
    envOverride,
  );
}

/** `{"a":{"a":…{"action":"opened"}…}}`: `depth` nested objects, built as text so nothing recursive runs. */
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"action":"opened"}${'}'.repeat(depth - 1)}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('POST /integrations/github/webhook', () => {
  it('a signed delivery is queued once and acknowledged with 202', async () => {
    const body = JSON.stringify(prOpened);
    const { sent, queue } = recordingQueue();
    const deliveryId = crypto.randomUUID();
    const res = await deliver(
      body,
      { 'x-github-event': 'pull_request', 'x-github-delivery': deliveryId, 'x-hub-signature-256': await sign(secret(), body) },
      { EVENT_Q: queue },
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ deliveryId, event: 'pull_request', accepted: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ deliveryId, event: 'pull_request', action: 'opened', payload: { number: 7 } });
  });

  it('the ack path costs exactly one queue send: no D1, KV or outbound call', async () => {
    const calls: string[] = [];
    const body = JSON.stringify(prOpened);
    const bindings = [
      'DB',
      'CHITTYCONNECT_KV',
      'TOKEN_KV',
      'API_KEYS',
      'RATE_LIMIT',
      'IDEMP_KV',
      'ECOSYSTEM',
      'EVENT_Q',
      'PRINCIPAL_GATE',
    ] as const;
    const override = Object.fromEntries(bindings.map((b) => [b, counted(b, env[b] as object, calls)])) as Partial<Cloudflare.Env>;
    for (let i = 0; i < 5; i++) {
      const res = await deliver(
        body,
        { 'x-github-event': 'pull_request', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await sign(secret(), body) },
        override,
      );
      expect(res.status).toBe(202);
    }
    expect(calls).toEqual(Array(5).fill('EVENT_Q.send'));
  });

  it('with the real queue too', async () => {
    const body = JSON.stringify(prOpened);
    const res = await deliver(body, {
      'x-github-event': 'pull_request',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': await sign(secret(), body),
    });
    expect(res.status).toBe(202);
  });

  it('accepts the previous secret during a rotation, and only then', async () => {
    const body = JSON.stringify(prOpened);
    const headers = {
      'x-github-event': 'pull_request',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': await sign('old-secret', body),
    };
    expect((await deliver(body, headers, { EVENT_Q: recordingQueue().queue })).status).toBe(401);
    expect((await deliver(body, headers, { EVENT_Q: recordingQueue().queue, GITHUB_WEBHOOK_SECRET_PREVIOUS: 'old-secret' })).status).toBe(
      202,
    );
  });

  it('missing or bad signature → 401 and nothing queued; tampered body → 401', async () => {
    const body = JSON.stringify(prOpened);
    const { sent, queue } = recordingQueue();
    const base = { 'x-github-event': 'pull_request', 'x-github-delivery': crypto.randomUUID() };
    const missing = await deliver(body, base, { EVENT_Q: queue });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { code: string }).code).toBe('missing_signature');
    expect((await deliver(body, { ...base, 'x-hub-signature-256': 'sha256=00' }, { EVENT_Q: queue })).status).toBe(401);
    const tampered = await deliver(
      body.replace('Tune', 'Ruin'),
      { ...base, 'x-hub-signature-256': await sign(secret(), body) },
      { EVENT_Q: queue },
    );
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { code: string }).code).toBe('invalid_signature');
    expect(sent).toHaveLength(0);
  });

  it('unknown events → 202 ignored; malformed JSON → 400; missing delivery id → 400', async () => {
    const { sent, queue } = recordingQueue();
    const body = '{"zen":"Keep it logically awesome."}';
    const star = await deliver(
      body,
      { 'x-github-event': 'star', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await sign(secret(), body) },
      { EVENT_Q: queue },
    );
    expect(star.status).toBe(202);
    expect(await star.json()).toMatchObject({ ignored: true });
    const bad = '{"action": ';
    const malformed = await deliver(
      bad,
      { 'x-github-event': 'issues', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await sign(secret(), bad) },
      { EVENT_Q: queue },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    const noId = await deliver(body, { 'x-github-event': 'issues', 'x-hub-signature-256': await sign(secret(), body) }, { EVENT_Q: queue });
    expect(noId.status).toBe(400);
    expect(sent).toHaveLength(0);
  });

  it('the queue failing → 503, so GitHub marks the delivery failed', async () => {
    const body = JSON.stringify(prOpened);
    const res = await deliver(
      body,
      { 'x-github-event': 'pull_request', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await sign(secret(), body) },
      { EVENT_Q: recordingQueue(true).queue },
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('enqueue_failed');
  });

  it('takes bodies over 1 MiB (GitHub allows 25 MB): large payloads travel by reference', async () => {
    const big = JSON.stringify({ ...prOpened, padding: 'x'.repeat(1_200_000) });
    const { sent, queue } = recordingQueue();
    const deliveryId = crypto.randomUUID();
    const res = await deliver(
      big,
      { 'x-github-event': 'pull_request', 'x-github-delivery': deliveryId, 'x-hub-signature-256': await sign(secret(), big) },
      { EVENT_Q: queue },
    );
    expect(res.status).toBe(202);
    expect(sent[0]).toMatchObject({ deliveryId, payloadKey: `ghpayload:${deliveryId}` });
    expect((await env.CHITTYCONNECT_KV.get(`ghpayload:${deliveryId}`))?.length).toBe(big.length);
  });

  it('no webhook secret configured → 503 with an actionable message', async () => {
    const res = await deliver(
      '{}',
      { 'x-github-event': 'push', 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': 'sha256=00' },
      { GITHUB_WEBHOOK_SECRET: undefined },
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toContain('GITHUB_WEBHOOK_SECRET');
  });
});

describe('webhook: what can never be processed is refused up front (issue 9)', () => {
  it(`nesting up to ${MAX_PAYLOAD_DEPTH} levels → 202; past it (101, 5,000, 8,000) → 400 payload_too_deep, nothing queued or parked`, async () => {
    const { sent, queue } = recordingQueue();
    const kvCalls: string[] = [];
    const kv = counted('CHITTYCONNECT_KV', env.CHITTYCONNECT_KV, kvCalls);
    const ok = await deliverSigned(nested(MAX_PAYLOAD_DEPTH), { EVENT_Q: queue, CHITTYCONNECT_KV: kv });
    expect(ok.status).toBe(202);
    expect(sent).toHaveLength(1);
    for (const depth of [MAX_PAYLOAD_DEPTH + 1, 5_000, 8_000]) {
      const res = await deliverSigned(nested(depth), { EVENT_Q: queue, CHITTYCONNECT_KV: kv });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'payload_too_deep', detail: expect.stringContaining(`${MAX_PAYLOAD_DEPTH} levels`) });
    }
    // Too deep and too big to travel inline: refused before anything is parked in KV.
    const deepAndBig = `{"padding":"${'x'.repeat(130_000)}","deep":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    expect((await deliverSigned(deepAndBig, { EVENT_Q: queue, CHITTYCONNECT_KV: kv })).status).toBe(400);
    expect(sent).toHaveLength(1);
    expect(kvCalls).toEqual([]);
  });

  it('brackets inside strings (and escaped quotes) do not count as nesting', async () => {
    const { sent, queue } = recordingQueue();
    const body = JSON.stringify({ action: 'edited', title: `\\"${'{['.repeat(5_000)}`, note: '"}}]]' });
    const res = await deliverSigned(body, { EVENT_Q: queue });
    expect(res.status).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it('an empty or whitespace-only signed body → 400 empty_body, not a secret mismatch', async () => {
    const { sent, queue } = recordingQueue();
    for (const body of ['', '  \n\t ']) {
      const res = await deliverSigned(body, { EVENT_Q: queue });
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('empty_body');
      expect(problem.detail).not.toContain('secret');
    }
    expect(sent).toHaveLength(0);
  });

  it('JSON that is not an object ([], 1, "x", null) → 400 payload_not_object', async () => {
    const { sent, queue } = recordingQueue();
    for (const body of ['[]', '1', '"x"', 'null', '[{"action":"opened"}]']) {
      const res = await deliverSigned(body, { EVENT_Q: queue });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('payload_not_object');
    }
    expect(sent).toHaveLength(0);
  });

  it('a queue refusing the send is logged once, with its cause, under the request id', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const body = JSON.stringify(prOpened);
    const res = await deliverSigned(body, { EVENT_Q: recordingQueue(true).queue }, 'pull_request');
    expect(res.status).toBe(503);
    const lines = [...warn.mock.calls, ...error.mock.calls].map((c) => String(c[0])).filter((l) => l.includes('enqueue_failed'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      event: 'request.failed',
      status: 503,
      code: 'enqueue_failed',
      error: 'Error: queue unavailable',
      requestId: res.headers.get('x-request-id'),
    });
  });
});

describe('webhook: generated bodies (fast-check)', () => {
  it('arbitrary JSON, strings, bytes and deep nests, correctly signed, with random headers → never a 5xx (real queue)', async () => {
    const event = fc.oneof(
      fc.constantFrom('push', 'pull_request', 'issues', 'installation', 'installation_repositories', 'ping', 'star'),
      fc.string({ maxLength: 20 }),
    );
    const deliveryId = fc.oneof(fc.uuid(), fc.string({ maxLength: 80 }));
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? ''),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => new TextDecoder().decode(bytes)),
      fc.tuple(fc.integer({ min: 1, max: 9_000 }), fc.constantFrom('[', '{"a":', '[{"b":')).map(([n, open]) => open.repeat(n)),
      fc.integer({ min: 90, max: 9_000 }).map((n) => nested(n)),
    );
    await fc.assert(
      fc.asyncProperty(body, event, deliveryId, fc.boolean(), async (text, ev, id, withType) => {
        const headers: Record<string, string> = {
          'x-github-event': ev,
          'x-github-delivery': id,
          'x-hub-signature-256': await sign(secret(), text),
        };
        if (!withType) headers['content-type'] = 'text/plain';
        const res = await deliver(text, headers);
        await res.body?.cancel();
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 400, seed: 20261130 },
    );
  });
});
