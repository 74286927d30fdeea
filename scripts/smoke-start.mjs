// @ts-check
/**
 * The README's quick start as a new user meets it, run by .ci/run after `npm test`:
 *   1. warm dependencies: `scripts/ensure-deps.mjs` installs nothing and prints nothing, its check
 *      costs well under 100 ms, and it decides right on a scratch project (missing, stale, current);
 *   2. a busy port: while another server holds PORT (one that even answers /health like a healthy
 *      ChittyConnect), `npm start` exits non-zero within seconds, names the port and how to choose
 *      another, and prints no "running" banner;
 *   3. `PORT=<that busy port> npm start -- --port N`: --port wins, /health on N answers 200 with
 *      init complete within 30 s, and the banner names N.
 * Every child runs in its own process group and the whole group is stopped, also on failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { installReason } from './ensure-deps.mjs';

const root = path.resolve(import.meta.dirname, '..');
const banner = 'ChittyConnect is running';
/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

/** @param {string} message */
function fail(message) {
  console.error(`smoke: ✗ ${message}`);
  for (const child of children) stop(child);
  process.exit(1);
}

/** SIGTERM to the child's whole process group (npm → sh → node → wrangler → workerd). */
function stop(/** @type {import('node:child_process').ChildProcess} */ child, signal = 'SIGTERM') {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Starts `npm start [args]` in its own process group, collecting its output. */
function npmStart(/** @type {string[]} */ args, /** @type {Record<string, string>} */ extraEnv) {
  const child = spawn('npm', ['start', ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    env: { ...process.env, ...extraEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const run = { child, output: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (d) => (run.output += d));
  child.stderr?.on('data', (d) => (run.output += d));
  return run;
}

/** True while any process of the child's group is left (signal 0 only checks). */
function groupAlive(/** @type {import('node:child_process').ChildProcess} */ child) {
  try {
    return Boolean(child.pid && process.kill(-child.pid, 0));
  } catch {
    return false;
  }
}

/** Stops the child's whole group and waits until it is gone, SIGKILLing it if it takes over 8 s. */
async function stopAndWait(/** @type {ReturnType<typeof npmStart>} */ run) {
  stop(run.child);
  await run.exited;
  const deadline = performance.now() + 8_000;
  while (groupAlive(run.child) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(run.child)) stop(run.child, 'SIGKILL');
  children.delete(run.child);
}

/** A port nothing listens on right now (the OS picks it). */
function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** True when 127.0.0.1:port can be bound, i.e. nothing is left listening on it. */
function bindable(/** @type {number} */ port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// 1. Warm dependencies cost nothing.
const record = path.join(root, 'node_modules', '.package-lock.json');
const recordBefore = statSync(record).mtimeMs;
let t = performance.now();
const reason = installReason(root);
const checkMs = performance.now() - t;
if (reason !== null) fail(`ensure-deps wants an install on a warm tree: ${reason}`);
if (checkMs > 100) fail(`the ensure-deps check took ${checkMs.toFixed(1)} ms (want ≲ 100 ms)`);
t = performance.now();
const warm = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-deps.mjs')], { cwd: root, encoding: 'utf8' });
const warmMs = performance.now() - t;
if (warm.status !== 0 || warm.stdout + warm.stderr !== '')
  fail(`warm ensure-deps: exit ${warm.status}, output ${warm.stdout}${warm.stderr}`);
if (statSync(record).mtimeMs !== recordBefore) fail('warm ensure-deps touched node_modules');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ensure-deps-'));
try {
  writeFileSync(path.join(scratch, 'package-lock.json'), '{}');
  const missing = installReason(scratch);
  mkdirSync(path.join(scratch, 'node_modules'));
  writeFileSync(path.join(scratch, 'node_modules', '.package-lock.json'), '{}');
  const lockTime = statSync(path.join(scratch, 'package-lock.json')).mtime;
  utimesSync(path.join(scratch, 'node_modules', '.package-lock.json'), lockTime, new Date(lockTime.getTime() - 60_000));
  const stale = installReason(scratch);
  utimesSync(path.join(scratch, 'node_modules', '.package-lock.json'), lockTime, new Date(lockTime.getTime() + 60_000));
  const current = installReason(scratch);
  if (missing !== 'node_modules is missing' || stale !== 'package-lock.json is newer than node_modules' || current !== null) {
    fail(`ensure-deps decided ${JSON.stringify({ missing, stale, current })}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`smoke: warm ensure-deps installs nothing: check ${checkMs.toFixed(2)} ms, whole process ${warmMs.toFixed(0)} ms`);

// 2. A busy port: refused at once, no banner, even though something answers /health there.
const impostor = createHttpServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ status: 'ok', init: { state: 'complete', steps: {} } }));
});
await new Promise((resolve) => impostor.listen(0, '127.0.0.1', () => resolve(undefined)));
const busyPort = /** @type {import('node:net').AddressInfo} */ (impostor.address()).port;
t = performance.now();
const refused = npmStart([], { PORT: String(busyPort) });
const refusedCode = await Promise.race([refused.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
const refusedMs = performance.now() - t;
await stopAndWait(refused);
if (refusedCode === 0 || refusedCode === 'timeout')
  fail(`npm start on busy port ${busyPort} did not refuse (exit ${refusedCode}):\n${refused.output}`);
for (const want of [`Port ${busyPort}`, 'already in use', 'PORT=', 'npm start -- --port']) {
  if (!refused.output.includes(want)) fail(`the busy-port message lacks "${want}":\n${refused.output}`);
}
if (refused.output.includes(banner)) fail(`npm start printed the running banner on a busy port:\n${refused.output}`);
console.log(
  `smoke: npm start with PORT=${busyPort} busy → exit ${refusedCode} in ${(refusedMs / 1000).toFixed(1)} s, saying how to pick another port`,
);

// 3. `npm start -- --port N` serves on N (and --port wins over the busy PORT).
const port = Number(process.env.SMOKE_PORT ?? (await freePort()));
const limitMs = 30_000;
t = performance.now();
const run = npmStart(['--port', String(port)], { PORT: String(busyPort) });
let ready = false;
/** @type {unknown} */
let last;
while (performance.now() - t < limitMs && run.child.exitCode === null) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    const body = /** @type {{ init: { state: string } }} */ (await res.json());
    last = body;
    if (res.status === 200 && body.init.state === 'complete' && run.output.includes(banner)) {
      ready = true;
      break;
    }
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
const seconds = ((performance.now() - t) / 1000).toFixed(1);
await stopAndWait(run);
impostor.close();
if (!ready)
  fail(
    `/health on --port ${port} not ready with init complete and a banner within ${limitMs / 1000} s; last /health: ${JSON.stringify(last)}\n${run.output.slice(-4000)}`,
  );
if (!run.output.includes(`ChittyConnect is running: http://127.0.0.1:${port}`))
  fail(`the banner does not name port ${port}:\n${run.output.slice(-2000)}`);
if (!(await bindable(port))) fail(`port ${port} is still held after stopping npm start`);
console.log(`smoke: npm start -- --port ${port} → /health 200 with init complete and the banner in ${seconds} s; stopped cleanly`);
process.exit(0);
