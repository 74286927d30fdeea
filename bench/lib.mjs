// @ts-check
/**
 * Shared pieces of the load benchmarks: start `npm start` on its own port, wait until it is ready,
 * run autocannon against one endpoint while recording every response time (autocannon's summary
 * has no p95), and write the results file with the machine, date and command.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

export const root = path.resolve(import.meta.dirname, '..');

/**
 * Starts ChittyConnect + the emulator (`npm start -- <wranglerArgs>`) and resolves once /health
 * reports init finished. Returns the base URL and a stop function.
 * @param {number} port
 * @param {string[]} wranglerArgs
 */
export async function startServer(port, wranglerArgs = []) {
  const child = spawn('npm', ['start', '--', ...wranglerArgs], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('exit', stop);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const body = /** @type {{init: {state: string}}} */ (await (await fetch(`${url}/health`)).json());
      if (!['pending', 'running'].includes(body.init.state)) return { url, stop };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`the server on ${url} did not become ready in 90 s`);
}

/** @param {number[]} sorted @param {number} p */
function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * Runs autocannon and returns req/s and latency percentiles computed from every response.
 * `perRequest` makes new headers and body for every request.
 * @param {{ url: string, connections: number, seconds: number, method?: string, headers?: Record<string,string>, body?: string, perRequest?: () => { headers: Record<string,string>, body: string } }} o
 */
export async function load(o) {
  /** @type {number[]} */
  const times = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  /** @type {autocannon.Result} */
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        method: /** @type {autocannon.Request['method']} */ (o.method ?? 'GET'),
        headers: o.headers,
        body: o.body,
        requests: o.perRequest
          ? [
              {
                setupRequest: (req) => {
                  const next = /** @type {NonNullable<typeof o.perRequest>} */ (o.perRequest)();
                  return { ...req, headers: { ...req.headers, ...next.headers }, body: next.body };
                },
              },
            ]
          : undefined,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      times.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
  times.sort((a, b) => a - b);
  return {
    rps: times.length / o.seconds,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    requests: times.length,
    errors: result.errors + result.timeouts,
    statuses,
    times,
  };
}

/**
 * Several runs of one endpoint as one: req/s over their total time, percentiles over every
 * response of every run, statuses added up.
 * @param {Awaited<ReturnType<typeof load>>[]} runs @param {number} seconds per run
 */
export function merge(runs, seconds) {
  const times = runs.flatMap((r) => r.times).sort((a, b) => a - b);
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    rps: times.length / (seconds * runs.length),
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    requests: times.length,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    statuses,
    times,
  };
}

/** A one-line description of this machine for the results file. */
export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** @param {string} file @param {string} markdown */
export function writeResults(file, markdown) {
  writeFileSync(path.join(root, 'bench', 'results', file), markdown);
}

/** @param {number} n */
export const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/**
 * A principal known to the emulated ChittyAuth (through npm start's `/_emulator` proxy): its token
 * and the Authorization header that carries it.
 * @param {string} url @param {{ type: string, capabilities?: string[] }} [body]
 */
export async function emulatedActor(url, body = { type: 'human' }) {
  const res = await fetch(`${url}/_emulator/actors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`emulator actors → ${res.status}: ${await res.text()}`);
  const { token } = /** @type {{token: string}} */ (await res.json());
  return { token, auth: { authorization: `Bearer ${token}` } };
}
