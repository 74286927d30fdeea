/**
 * The webhook's fast path, through the worker: signature checked (current and previous secret),
 * one queue send and 202, nothing else; refusals are problem+json with the right status.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
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
