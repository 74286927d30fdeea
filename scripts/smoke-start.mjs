// @ts-check
/**
 * The README's quick start, as a new user runs it: `npm start`, then /health must answer 200
 * with init complete against the emulator within 30 s. Used by .ci/run; stops what it started.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.SMOKE_PORT ?? 8797);
const limitMs = 30_000;
const started = Date.now();
const child = spawn('npm', ['start'], {
  cwd: root,
  env: { ...process.env, PORT: String(port) },
  detached: true,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));

function stop() {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

let result = 'timeout';
/** @type {unknown} */
let last;
while (Date.now() - started < limitMs) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    const body = /** @type {{ init: { state: string } }} */ (await res.json());
    last = body;
    if (res.status === 200 && body.init.state === 'complete') {
      result = 'ok';
      break;
    }
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
stop();
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (result === 'ok') {
  console.log(`smoke: npm start → /health 200 with init complete in ${seconds} s`);
  process.exit(0);
}
console.error(`smoke: /health not ready with init complete within ${limitMs / 1000} s`);
console.error('last /health:', JSON.stringify(last));
console.error(output.slice(-4000));
process.exit(1);
