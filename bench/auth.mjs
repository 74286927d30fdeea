// @ts-check
/**
 * What authentication costs: an authenticated `GET /v1/actors/me` (a ChittyAuth token already
 * validated once, so hot) side by side with `GET /health`, in one run under `npm start`, rounds
 * interleaved so both see the same machine. Target: /v1/actors/me keeps ≥ 50 % of /health's req/s.
 * Also checks that the hot path made no ChittyAuth call and did not write `last seen` per request.
 *
 *   node bench/auth.mjs [--seconds 5] [--rounds 3] [--connections 10]
 * Results: bench/results/auth.md
 */
import { parseArgs } from 'node:util';
import { emulatedActor, fmt, load, machine, startServer, writeResults } from './lib.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const port = 8791;

// A budget no benchmark reaches, so the rate limiter is measured but never refuses.
const { url, stop } = await startServer(port, ['--var', `RATE_LIMIT_TIERS:${JSON.stringify({ human: 1e9 })}`]);
try {
  const { auth } = await emulatedActor(url);
  const reg = await fetch(`${url}/v1/actors/register`, { method: 'POST', headers: auth });
  if (reg.status !== 201) throw new Error(`register → ${reg.status}`);
  const warm = await fetch(`${url}/v1/actors/me`, { headers: auth });
  if (warm.status !== 200) throw new Error(`/v1/actors/me → ${warm.status}`);
  const before = /** @type {{sessionCount: number, lastSeenAt: string}} */ (await warm.json());
  const validationsBefore = /** @type {{requests: unknown[]}} */ (
    await (await fetch(`${url}/_emulator/requests?host=auth.chitty.cc&path=/v1/auth/validate`)).json()
  ).requests.length;

  /** @type {{ health: Awaited<ReturnType<typeof load>>[], me: Awaited<ReturnType<typeof load>>[] }} */
  const runs = { health: [], me: [] };
  for (let r = 0; r < rounds; r++) {
    runs.health.push(await load({ url: `${url}/health`, connections, seconds }));
    runs.me.push(await load({ url: `${url}/v1/actors/me`, connections, seconds, headers: auth }));
  }

  const validationsAfter = /** @type {{requests: unknown[]}} */ (
    await (await fetch(`${url}/_emulator/requests?host=auth.chitty.cc&path=/v1/auth/validate`)).json()
  ).requests.length;
  const after = /** @type {{sessionCount: number, lastSeenAt: string}} */ (
    await (await fetch(`${url}/v1/actors/me`, { headers: auth })).json()
  );

  const sum = (/** @type {Awaited<ReturnType<typeof load>>[]} */ xs) => {
    const n = xs.reduce((a, x) => a + x.requests, 0);
    const median = (/** @type {number[]} */ v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
    return {
      rps: n / (seconds * xs.length),
      p50: median(xs.map((x) => x.p50)),
      p95: median(xs.map((x) => x.p95)),
      requests: n,
      non2xx: xs.reduce(
        (a, x) =>
          a +
          Object.entries(x.statuses)
            .filter(([s]) => !s.startsWith('2'))
            .reduce((b, [, c]) => b + c, 0),
        0,
      ),
      errors: xs.reduce((a, x) => a + x.errors, 0),
    };
  };
  const h = sum(runs.health);
  const m = sum(runs.me);
  const ratio = m.rps / h.rps;
  const date = new Date().toISOString();
  const table = `| endpoint | req/s | p50 ms | p95 ms | requests | non-2xx | errors |
| --- | --- | --- | --- | --- | --- | --- |
| GET /health | ${fmt(h.rps)} | ${fmt(h.p50)} | ${fmt(h.p95)} | ${h.requests} | ${h.non2xx} | ${h.errors} |
| GET /v1/actors/me (hot token) | ${fmt(m.rps)} | ${fmt(m.p50)} | ${fmt(m.p95)} | ${m.requests} | ${m.non2xx} | ${m.errors} |`;
  const md = `# Auth middleware cost

- Date: ${date}
- Machine: ${machine()}
- Command: \`node bench/auth.mjs --seconds ${seconds} --rounds ${rounds} --connections ${connections}\` (starts \`npm start\` itself on port ${port})
- Method: autocannon, ${connections} connections, ${rounds} interleaved rounds of ${seconds} s per endpoint; p50/p95 are the medians over rounds of each round's percentiles from every response time.

${table}

**/v1/actors/me keeps ${fmt(ratio * 100)} % of /health's req/s** (target ≥ 50 %).

What a hot request costs: ChittyAuth validations during the run: **${validationsAfter - validationsBefore}** (target 0) — the
isolate cache answers before TOKEN_KV, so no KV read either. One Durable Object call (the principal's gate:
rate limit + actor snapshot), so no D1 read. \`last seen\` writes: at most one per 5 minutes per actor
(session count ${before.sessionCount} → ${after.sessionCount}, last seen ${before.lastSeenAt === after.lastSeenAt ? 'unchanged' : 'updated once'} across ${m.requests} reads).
`;
  writeResults('auth.md', md);
  console.log(md);
} finally {
  stop();
}
