// @ts-check
/**
 * The webhook's ack path under load, side by side with `GET /health` in the same run: signed ~8 KB
 * pull_request deliveries, each with a fresh delivery id (and one of 200 PR numbers), at
 * concurrency 10 and 50 for `--seconds` each; req/s and p50/p95/p99. Then the drain: how fast the
 * EVENT_Q consumer turns the backlog the run created into processed events (each ending with its
 * Chronicle entry, a summary comment edited on the emulated GitHub and a check run).
 * Targets (issue 5): the webhook keeps ≥ 60 % of /health's req/s, p95 < 100 ms at concurrency 10.
 *
 *   node bench/webhook.mjs [--seconds 10] [--drain-minutes 10]
 * Results: bench/results/webhook.md
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, load, machine, root, startServer, writeResults } from './lib.mjs';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, 'drain-minutes': { type: 'string', default: '10' } },
});
const seconds = Number(values.seconds);
const drainMinutes = Number(values['drain-minutes']);
const port = 8792;

const fixture = JSON.parse(readFileSync(path.join(root, 'test/fixtures/github/pull_request.opened.json'), 'utf8'));
// Pad the PR body so each delivery is ~8 KB, like a real pull_request payload with a description.
const pad = 'Context for reviewers. '.repeat(180);
/** @param {number} n */
const payloadFor = (n) =>
  JSON.stringify({ ...fixture, number: n, pull_request: { ...fixture.pull_request, number: n, id: 9_000_000 + n, body: pad } });
const sample = payloadFor(1);

const { url, stop } = await startServer(port);
try {
  const vars = readFileSync(path.join(root, '.dev.vars'), 'utf8');
  const secret = /^GITHUB_WEBHOOK_SECRET=["']?([^"'\n]+)["']?$/m.exec(vars)?.[1];
  if (!secret) throw new Error('GITHUB_WEBHOOK_SECRET missing from .dev.vars');
  // Two hundred distinct PRs, each body signed once; every request gets a fresh delivery id.
  const bodies = Array.from({ length: 200 }, (_, i) => {
    const body = payloadFor(5000 + i);
    return { body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
  });
  let next = 0;
  const perRequest = () => {
    const b = bodies[next++ % bodies.length] ?? bodies[0];
    if (!b) throw new Error('no bodies');
    return {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': b.signature,
      },
      body: b.body,
    };
  };

  const admin = /** @type {{token: string}} */ (
    await (
      await fetch(`${url}/_emulator/actors`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'system', capabilities: ['admin'] }),
      })
    ).json()
  );
  const auth = { authorization: `Bearer ${admin.token}` };
  if ((await fetch(`${url}/v1/actors/register`, { method: 'POST', headers: auth })).status !== 201) throw new Error('register failed');
  const stats = async (/** @type {string} */ from) =>
    /** @type {{processing: number, processed: number, failed: number, firstReceivedAt: string | null, lastProcessedAt: string | null}} */ (
      await (await fetch(`${url}/v1/github/deliveries/stats?from=${encodeURIComponent(from)}`, { headers: auth })).json()
    );

  // Warm-up: both paths once, and one delivery processed end to end (installation token cached).
  await load({ url: `${url}/health`, connections: 10, seconds: 2 });
  await load({ url: `${url}/integrations/github/webhook`, method: 'POST', connections: 10, seconds: 2, perRequest });
  const warmFrom = new Date(Date.now() - 5000).toISOString();
  for (let waited = 0; waited < 120_000; waited += 1000) {
    const s = await stats(warmFrom);
    if (s.processing === 0 && s.processed > 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }

  const started = new Date();
  /** @type {{ c: number, health: Awaited<ReturnType<typeof load>>, hook: Awaited<ReturnType<typeof load>> }[]} */
  const rows = [];
  for (const c of [10, 50]) {
    const health = await load({ url: `${url}/health`, connections: c, seconds });
    const hook = await load({ url: `${url}/integrations/github/webhook`, method: 'POST', connections: c, seconds, perRequest });
    rows.push({ c, health, hook });
  }
  const loadEnded = Date.now();
  const accepted = rows.reduce((n, r) => n + (r.hook.statuses[202] ?? 0), 0);

  // Drain: until every delivery of the run is processed (or failed), or the time limit.
  let drained = await stats(started.toISOString());
  const drainDeadline = Date.now() + drainMinutes * 60_000;
  while (drained.processed + drained.failed < accepted && Date.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 2000));
    drained = await stats(started.toISOString());
  }
  const drainEnd = drained.lastProcessedAt ? Date.parse(drained.lastProcessedAt) : Date.now();
  const drainRate = drained.processed / ((drainEnd - started.getTime()) / 1000);
  const afterLoadRate = drained.processed / ((drainEnd - loadEnded) / 1000);

  // What one processed event costs outside: the emulator's request log over a small sample.
  await fetch(`${url}/_emulator/reset`, { method: 'POST' });
  const sampleFrom = new Date().toISOString();
  const sampleSize = 20;
  for (let i = 0; i < sampleSize; i++) {
    const r = perRequest();
    await fetch(`${url}/integrations/github/webhook`, { method: 'POST', headers: r.headers, body: r.body });
  }
  for (let waited = 0; waited < 120_000; waited += 500) {
    const s = await stats(sampleFrom);
    if (s.processed + s.failed >= sampleSize) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const log = /** @type {{requests: {host: string, method: string, path: string}[]}} */ (
    await (await fetch(`${url}/_emulator/requests`)).json()
  ).requests;
  /** @type {Record<string, number>} */
  const perHost = {};
  for (const r of log) {
    const key = `${r.host} ${r.method} ${r.path.replace(/\/[0-9a-f-]{8,}|\/\d+/gi, '/…')}`;
    perHost[key] = (perHost[key] ?? 0) + 1;
  }

  const table = rows
    .flatMap(({ c, health, hook }) => [
      `| ${c} | GET /health | ${fmt(health.rps)} | ${fmt(health.p50)} | ${fmt(health.p95)} | ${fmt(health.p99)} | ${health.requests} | ${JSON.stringify(health.statuses)} | |`,
      `| ${c} | POST webhook (${(Buffer.byteLength(sample) / 1024).toFixed(1)} KB, signed) | ${fmt(hook.rps)} | ${fmt(hook.p50)} | ${fmt(hook.p95)} | ${fmt(hook.p99)} | ${hook.requests} | ${JSON.stringify(hook.statuses)} | **${fmt((hook.rps / health.rps) * 100)} %** |`,
    ])
    .join('\n');
  const calls = Object.entries(perHost)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([k, n]) => `| ${k} | ${fmt(n / sampleSize, 2)} |`)
    .join('\n');
  const md = `# GitHub webhook: ack path and drain

- Date: ${new Date().toISOString()}
- Machine: ${machine()}
- Command: \`node bench/webhook.mjs --seconds ${seconds} --drain-minutes ${drainMinutes}\` (starts \`npm start\` itself on port ${port})
- Method: autocannon; per concurrency level, ${seconds} s of \`GET /health\` then ${seconds} s of signed
  pull_request deliveries (${(Buffer.byteLength(sample) / 1024).toFixed(1)} KB each, 200 distinct PRs, a fresh delivery id per request).
  Percentiles come from every response time. Targets: webhook ≥ 60 % of /health's req/s; p95 < 100 ms at concurrency 10.

| concurrency | endpoint | req/s | p50 ms | p95 ms | p99 ms | requests | statuses | webhook / health |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table}

## Drain: webhook → processed (Chronicle entry, comment, check run)

- Deliveries accepted (202) during the run: **${accepted}**
- Processed: **${drained.processed}**, failed: ${drained.failed}, still processing: ${drained.processing}${drained.processed + drained.failed < accepted ? ` (time limit of ${drainMinutes} min reached)` : ''}
- **Drain rate: ${fmt(drainRate)} events/s** from the start of the load to the last processed event
  (${fmt(afterLoadRate)} events/s counted from the end of the load).

## Billable operations

Ack path, per delivery (asserted by \`test/github/webhook.test.ts\`, "the ack path costs exactly one
queue send"): **1 queue send, 0 KV, 0 D1, 0 outbound calls** (payloads over 120 KB: + 1 KV write).

Per processed pull_request.opened event, outbound calls measured over ${sampleSize} deliveries
(emulator request log; ids in paths shown as …):

| host, method, path | calls per event |
| --- | --- |
${calls}

D1 and KV per processed event are asserted by \`test/github/app.test.ts\` ("what processing one
pull request costs").
`;
  writeResults('webhook.md', md);
  console.log(md);
} finally {
  stop();
}
