/**
 * `POST /integrations/github/webhook`: the fast path. Verify `X-Hub-Signature-256` in constant
 * time (against the current secret and, during a rotation, the previous one), enqueue the
 * delivery on EVENT_Q, answer 202 — and nothing else: no D1, no KV, no GitHub or ChittyOS call.
 * Deduplication by delivery id happens in the consumer, where it can be exact. If the enqueue
 * fails the answer is 503, so GitHub shows the delivery as failed and it can be redelivered.
 * Payloads too large for one queue message (> 120 KB) are parked in CHITTYCONNECT_KV for a week
 * and the message carries a reference: the one case that costs a KV write.
 *
 * What can never be processed is refused here, with a 400, rather than accepted and lost later: an
 * empty body, a body that is not a JSON object, and one nested past MAX_PAYLOAD_DEPTH. The depth
 * is checked on the raw text before it is parsed, so no parse, serialisation or queue send can
 * overflow the stack on it. The message carries the parsed payload (not the raw text): with the
 * depth bounded its serialisation is safe, and the consumer, replay and recovery all share that shape.
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { verifyWithFallback } from '@octokit/webhooks-methods';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../../app-env';
import type { Env } from '../../env';
import { limitBody } from '../../http/body-limit';
import { AppError } from '../../http/errors';
import { textDepthAtMost } from '../../lib/json-depth';

/** GitHub's own cap on a delivery. */
export const WEBHOOK_BODY_LIMIT_BYTES = 25 * 1024 * 1024;
const INLINE_LIMIT_BYTES = 120 * 1024;
const PARKED_TTL_SECONDS = 7 * 24 * 60 * 60;
/**
 * Deepest nesting of arrays/objects a delivery may have. GitHub's published example deliveries
 * nest at most ~10 deep (a pull request's head repository's owner sits at depth 4), and real ones
 * stay under ~20; 100 leaves five times that headroom while staying far below where the runtime's
 * structured clone and queue send overflow the stack (thousands of levels).
 */
export const MAX_PAYLOAD_DEPTH = 100;

/** Events the App subscribes to (github-app-manifest.json); others are acknowledged and ignored. */
export const SUPPORTED_EVENTS = new Set(['push', 'pull_request', 'issues', 'installation', 'installation_repositories', 'ping']);

export interface GitHubDelivery {
  deliveryId: string;
  event: string;
  action: string | null;
  receivedAt: string;
  /** The parsed payload, or a KV key when it was too large to travel inline. */
  payload?: unknown;
  payloadKey?: string;
}

const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;

/** True when a queue message body has the shape of a delivery (the fields the consumer relies on). */
export function isGitHubDelivery(body: unknown): body is GitHubDelivery {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as GitHubDelivery).deliveryId === 'string' &&
    typeof (body as GitHubDelivery).event === 'string'
  );
}

export const webhookRoutes = new Hono<AppEnv>().post('/integrations/github/webhook', limitBody(WEBHOOK_BODY_LIMIT_BYTES), async (c) => {
  const body = await signedBody(c);
  const event = c.req.header('x-github-event') ?? '';
  const deliveryId = c.req.header('x-github-delivery') ?? '';
  if (!event || !DELIVERY_ID.test(deliveryId)) {
    throw new AppError(400, 'missing_github_headers', 'X-GitHub-Event and X-GitHub-Delivery are required.');
  }
  const payload = payloadOf(body);
  if (!SUPPORTED_EVENTS.has(event)) return c.json({ deliveryId, event, ignored: true }, 202);

  const action = 'action' in payload ? String(payload.action) : null;
  const delivery: GitHubDelivery = { deliveryId, event, action, receivedAt: new Date().toISOString() };
  await enqueue(c.env, delivery, body, payload);
  return c.json({ deliveryId, event, accepted: true }, 202);
});

/** The body, once its X-Hub-Signature-256 matches the webhook secret (current or previous); else 503/401/400. */
async function signedBody(c: Context<AppEnv>): Promise<string> {
  const secret = c.env.GITHUB_WEBHOOK_SECRET;
  if (!secret) {
    throw new AppError(503, 'webhook_not_configured', 'GITHUB_WEBHOOK_SECRET is not set; set it to the App’s webhook secret.', {
      retryAfterSeconds: 60,
    });
  }
  const signature = c.req.header('x-hub-signature-256');
  if (!signature)
    throw new AppError(
      401,
      'missing_signature',
      'X-Hub-Signature-256 is missing; GitHub signs every delivery when the App has a webhook secret.',
    );
  const body = await c.req.text();
  // Malformed, not a secret mismatch: said before the signature check, whose message names the secret.
  if (body.trim() === '') throw new AppError(400, 'empty_body', 'The delivery body is empty; GitHub sends a JSON object.');
  const previous = c.env.GITHUB_WEBHOOK_SECRET_PREVIOUS ? [c.env.GITHUB_WEBHOOK_SECRET_PREVIOUS] : undefined;
  const valid = await verifyWithFallback(secret, body, signature, previous).catch(() => false);
  if (valid !== true) {
    throw new AppError(
      401,
      'invalid_signature',
      'The signature does not match this body: the webhook secret on GitHub and GITHUB_WEBHOOK_SECRET differ.',
    );
  }

  return body;
}

/** The payload as a JSON object (depth-bounded before parsing); else 400. */
function payloadOf(body: string): object {
  if (!textDepthAtMost(body, MAX_PAYLOAD_DEPTH)) {
    throw new AppError(
      400,
      'payload_too_deep',
      `The delivery nests arrays/objects deeper than ${MAX_PAYLOAD_DEPTH} levels; no GitHub event does, so it is refused.`,
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw new AppError(400, 'malformed_json', 'The delivery body is not valid JSON.');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError(400, 'payload_not_object', 'The delivery body must be a JSON object, as every GitHub event payload is.');
  }
  return payload;
}

/** Queues the delivery, its payload inline or, when large, parked in KV; 503 when either fails. */
async function enqueue(env: Env, delivery: GitHubDelivery, body: string, payload: object): Promise<void> {
  try {
    if (body.length <= INLINE_LIMIT_BYTES) delivery.payload = payload;
    else {
      delivery.payloadKey = `ghpayload:${delivery.deliveryId}`;
      await env.CHITTYCONNECT_KV.put(delivery.payloadKey, body, { expirationTtl: PARKED_TTL_SECONDS });
    }
    await env.EVENT_Q.send(delivery, { contentType: 'json' });
  } catch (cause) {
    // onError logs it once, with the cause, under the request id.
    throw new AppError(
      503,
      'enqueue_failed',
      'The delivery could not be queued; GitHub will show it as failed, and it can be redelivered.',
      { retryAfterSeconds: 30, cause },
    );
  }
}

/** Describes the webhook in the OpenAPI document (the route itself is plain Hono: it reads raw bytes). */
export function describeWebhook(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/integrations/github/webhook',
    tags: ['GitHub App'],
    summary: 'GitHub webhook deliveries (signature-checked, queued, 202)',
    description:
      'Verifies X-Hub-Signature-256 against GITHUB_WEBHOOK_SECRET (and GITHUB_WEBHOOK_SECRET_PREVIOUS during a rotation), sends the delivery to EVENT_Q and answers 202. Bodies up to 25 MB. Unknown events are acknowledged and ignored.',
    security: [],
    request: {
      headers: z.object({
        'x-hub-signature-256': z.string().openapi({ example: 'sha256=…' }),
        'x-github-event': z.string().openapi({ example: 'pull_request' }),
        'x-github-delivery': z.string().openapi({ example: '72d3162e-cc78-11e3-81ab-4c9367dc0958' }),
      }),
      body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, required: true },
    },
    responses: {
      202: { description: 'Queued (or ignored: an event the App does not handle)' },
      400: {
        description: `Missing GitHub headers; an empty body (empty_body); malformed JSON; a body that is not a JSON object (payload_not_object); nesting deeper than ${MAX_PAYLOAD_DEPTH} levels (payload_too_deep)`,
      },
      401: { description: 'Missing or invalid signature' },
      413: { description: 'Over 25 MB' },
      503: { description: 'Not configured, or the queue refused the delivery (GitHub will show it failed)' },
    },
  });
}
