// @ts-check
/**
 * `npm run docs:check`: runs every shell example (```sh) in README.md and docs/*.md against the
 * local stack, so a doc cannot drift from the code. Used by .ci/run after the smoke step.
 *
 * - Starts `npm start` on a free port with a fresh, temporary state (`--persist-to`), and — only
 *   if an example calls it (`localhost:8799`) — the standalone emulator, as docs/emulator.md shows.
 * - Each file's blocks run in order in ONE bash session (`set -euo pipefail`), so a variable set in
 *   one block is there in the next. The prelude sets only `TOKEN` (the dev token `npm start`
 *   prints) and `PORT`; a doc sets everything else it uses itself. A line such as
 *   `TOKEN=emu_…   # printed by npm start` (a placeholder for a variable the prelude sets) is
 *   left out; any other placeholder runs as written and fails.
 * - `curl` is wrapped: the documented addresses (`127.0.0.1:8787`, `localhost:8787`,
 *   `localhost:8799`) go to this run's ports, and an HTTP answer ≥ 400 fails the block
 *   (`--fail-with-body`), so an example must succeed as written. (One that shows a refusal on
 *   purpose says so in plain shell: `curl … || true   # → 403 scope_not_held`.)
 * - A block that cannot run here by nature is marked in the doc, right before its fence, with
 *   `<!-- not run: <why> -->`; the runner lists what it skipped. A fence of another shell language
 *   (bash, shell, console) or an unlabelled fence that starts with a command is refused: label it sh.
 * Offline: nothing but loopback. Exit 1 on any failure, with the block and the session's output;
 * `--verbose` prints every session's output (to check the `# →` comments against real answers).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureDevSecrets } from './dev-secrets.mjs';

const root = path.resolve(import.meta.dirname, '..');
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
const started = Date.now();

/** @typedef {{ file: string, line: number, code: string, skip?: string }} Block */

/**
 * Commands an unmarked block must not run here: they install (and would replace node_modules),
 * never end, run the whole suite, or reach Cloudflare's account.
 */
const UNSAFE =
  /\bnpm (ci|install|i|start|test|run (deploy|deploy:staging|check)(?![\w:-]))|\bwrangler (deploy|secret|login|dev)\b|--remote\b|\b(namespace|d1|queues) create\b/;

/** Every ```sh block of one markdown file, with its first code line and its not-run reason. */
function extractBlocks(/** @type {string} */ file, /** @type {string} */ text) {
  const lines = text.split('\n');
  /** @type {Block[]} */
  const blocks = [];
  /** @type {string[]} */
  const problems = [];
  let marker = /** @type {{ reason: string, line: number } | undefined} */ (undefined);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const note = /^\s*<!--\s*not run\b:?\s*(.*?)\s*-->\s*$/.exec(line);
    if (note) {
      if (!note[1]) problems.push(`${file}:${i + 1}: "not run" must say why: <!-- not run: <reason> -->`);
      marker = { reason: note[1] ?? '', line: i + 1 };
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== '' && marker) {
        problems.push(`${file}:${marker.line}: a "not run" marker must come right before a \`\`\`sh fence`);
        marker = undefined;
      }
      continue;
    }
    const [, indent = '', ticks = '```', lang = ''] = fence;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(ticks)) end++;
    const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
    if (lang === 'sh') {
      const code = body.join('\n');
      const commands = code.replace(/(^|\s)#.*$/gm, ''); // comments may name anything
      const unsafe = marker ? null : UNSAFE.exec(commands);
      if (unsafe) problems.push(`${file}:${i + 1}: runs \`${unsafe[0]}\`, which cannot run here: mark it <!-- not run: <why> -->`);
      blocks.push({ file, line: i + 2, code, skip: marker?.reason });
    } else if (['bash', 'shell', 'console', 'zsh'].includes(lang)) {
      problems.push(`${file}:${i + 1}: a \`\`\`${lang} block is not checked: label it \`\`\`sh`);
    } else if (lang === '' && /^(curl|npm|npx|node|wrangler)\b/.test((body.find((l) => l.trim()) ?? '').trim())) {
      problems.push(`${file}:${i + 1}: a shell example in an unlabelled fence: label it \`\`\`sh`);
    } else if (marker) {
      problems.push(`${file}:${marker.line}: a "not run" marker before a \`\`\`${lang} block, not a \`\`\`sh one`);
    }
    marker = undefined;
    i = end;
  }
  return { blocks, problems };
}

/** A port nothing listens on right now. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts a server in its own process group and waits until `ready()` says yes; fails early if it
 * exits. Returns its output so far (for failure reports) and a stop function.
 * @param {string} name @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} env
 * @param {() => Promise<boolean>} ready
 */
async function startServer(name, command, args, env, ready) {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { output: '', exited: false, stop: () => {}, gone: new Promise((r) => child.on('exit', r)) };
  child.stdout.on('data', (d) => (server.output += d));
  child.stderr.on('data', (d) => (server.output += d));
  child.on('exit', () => (server.exited = true));
  const signal = (/** @type {NodeJS.Signals} */ sig) => {
    try {
      if (child.pid && !server.exited) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  server.stop = () => signal('SIGTERM');
  process.on('exit', () => signal('SIGKILL')); // leaving: whatever ignored SIGTERM (wrangler dev can) goes now
  const deadline = Date.now() + 90_000; // npm start may first install (scripts/ensure-deps.mjs)
  while (Date.now() < deadline && !server.exited) {
    if (await ready().catch(() => false)) return server;
    await new Promise((r) => setTimeout(r, 250));
  }
  server.stop();
  throw new Error(`${name} did not become ready${server.exited ? ' (it exited)' : ' within 90 s'}:\n${server.output.slice(-4000)}`);
}

/** The bash prelude: strict mode, TOKEN, PORT, the curl wrapper, and the failure report. */
function prelude(/** @type {{ token: string, port: number, emulatorPort: number }} */ o) {
  return `set -euo pipefail
export PORT=${o.port}
TOKEN='${o.token}'
curl() {
  local args=() a
  for a in "$@"; do
    a=\${a//127.0.0.1:8787/127.0.0.1:${o.port}}
    a=\${a//localhost:8787/127.0.0.1:${o.port}}
    a=\${a//localhost:8799/127.0.0.1:${o.emulatorPort}}
    args+=("$a")
  done
  command curl --no-progress-meter --show-error --fail-with-body --max-time 20 "\${args[@]}"
}
trap 'echo "✗ exit $? at script line $LINENO: $BASH_COMMAND" >&2' ERR
`;
}

/** Placeholder assignments of variables the prelude sets (`TOKEN=emu_…`) are left out. */
function dropPlaceholders(/** @type {string} */ code) {
  return code.replace(/^(\s*)TOKEN=\S*(\.\.\.|…)\S*/gm, '$1: # TOKEN: the prelude set the dev token');
}

/** Runs one file's blocks in one bash session; resolves with the failure report, or null. */
async function runFile(/** @type {Block[]} */ blocks, /** @type {Parameters<typeof prelude>[0]} */ o) {
  let script = prelude(o);
  /** @type {{ block: Block, from: number, to: number }[]} */
  const map = [];
  for (const block of blocks) {
    const header = script.split('\n').length; // the line the header goes on (script ends with \n)
    const code = dropPlaceholders(block.code);
    script += `printf '\\n── %s\\n' '${block.file}:${block.line}'\n${code}\n`;
    map.push({ block, from: header + 1, to: header + code.split('\n').length });
  }
  // A clean environment: nothing from the caller's shell (a stray $ID, $B) can make a doc pass.
  /** @type {Record<string, string>} */
  const env = { LANG: 'C.UTF-8', CI: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  // Its own process group, so a timeout or Ctrl-C also ends what the examples started.
  const bash = spawn('bash', ['-c', `exec 2>&1\n${script}`], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => {
    try {
      if (bash.pid) process.kill(-bash.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.on('exit', kill);
  let output = '';
  bash.stdout.on('data', (d) => (output += d));
  const timer = setTimeout(kill, 60_000);
  /** @type {number | null} */
  const status = await new Promise((resolve) => bash.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  process.off('exit', kill);
  if (process.argv.includes('--verbose')) console.log(output.replace(/^/gm, '    '));
  if (status === 0) return null;
  const at = Number(/at script line (\d+)/.exec(output)?.[1] ?? Number.NaN) - 1; // the `exec` line
  const hit = map.find((m) => at >= m.from && at <= m.to) ?? map.at(-1);
  const where = hit ? `${hit.block.file}:${hit.block.line + (Number.isNaN(at) ? 0 : at - hit.from)}` : '?';
  return `✗ ${where} (in the block at line ${hit?.block.line ?? '?'}): an example failed (${status === null ? 'killed after 60 s' : `exit ${status}`})\n${output.slice(-6000)}`;
}

const files = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
/** @type {Block[]} */
const all = [];
/** @type {string[]} */
const problems = [];
for (const file of files) {
  const found = extractBlocks(file, readFileSync(path.join(root, file), 'utf8'));
  all.push(...found.blocks);
  problems.push(...found.problems);
}
if (problems.length) {
  console.error(`docs:check: fix the doc markup first:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
if (spawnSync('jq', ['--version']).status !== 0) {
  console.error('docs:check: the examples use jq; install it (Debian/Ubuntu: apt-get install jq, macOS: brew install jq).');
  process.exit(1);
}

const toRun = all.filter((b) => !b.skip);
const state = mkdtempSync(path.join(os.tmpdir(), 'chittyconnect-docs-'));
process.on('exit', () => rmSync(state, { recursive: true, force: true }));
// Ctrl-C: exit through the 'exit' handlers, which stop the servers (they run in their own groups).
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => process.exit(130));
const port = /** @type {number} */ (await freePort());
const needsEmulator = toRun.some((b) => b.code.includes('localhost:8799'));
const emulatorPort = needsEmulator ? /** @type {number} */ (await freePort()) : 0;
const serverEnv = { ...process.env, PORT: String(port), CI: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };
const answers = (/** @type {string} */ url) => fetch(url, { signal: AbortSignal.timeout(2000) });
const mainReady = async () =>
  /** @type {{ init?: { state: string } }} */ (await (await answers(`http://127.0.0.1:${port}/health`)).json()).init?.state === 'complete';
const emulatorArgs = ['dev', '-c', 'emulator/wrangler.toml', '--port', String(emulatorPort), '--ip', '127.0.0.1'];
emulatorArgs.push('--persist-to', path.join(state, 'emulator'), '--show-interactive-dev-session=false');

console.log(
  `docs:check: ${toRun.length} examples to run, ${all.length - toRun.length} marked not run; npm start on :${port} (examples' :8787)` +
    (needsEmulator ? `, the standalone emulator on :${emulatorPort} (:8799)` : ''),
);
const servers = await Promise.all([
  startServer('npm start', 'npm', ['start', '--', '--persist-to', path.join(state, 'main')], serverEnv, mainReady),
  // The standalone emulator routes by Host: any answer means it is up.
  ...(needsEmulator
    ? [
        startServer(
          'the standalone emulator',
          wrangler,
          emulatorArgs,
          serverEnv,
          async () => (await answers(`http://127.0.0.1:${emulatorPort}/health`)).status > 0,
        ),
      ]
    : []),
]).catch((err) => {
  console.error(`docs:check: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
console.log(`docs:check: stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const options = { token: ensureDevSecrets().devToken, port, emulatorPort };
let failed = 0;
for (const file of files) {
  const blocks = all.filter((b) => b.file === file);
  if (blocks.length === 0) continue;
  const runnable = blocks.filter((b) => !b.skip);
  const failure = runnable.length ? await runFile(runnable, options) : null;
  const skipped = blocks.filter((b) => b.skip).map((b) => `\n    not run ${b.file}:${b.line}: ${b.skip}`);
  console.log(`${failure ? '✗' : '✓'} ${file}: ${runnable.length} run${skipped.join('')}`);
  if (failure) {
    failed++;
    console.error(failure.replace(/^/gm, '    '));
    // What the servers logged last (each request with its status and time): a hang or a reload shows here.
    for (const [i, server] of servers.entries()) {
      const tail = server.output.split('\n').slice(-40).join('\n');
      console.error(`    ── the last lines of ${i === 0 ? 'npm start' : 'the standalone emulator'}:\n${tail.replace(/^/gm, '    ')}`);
    }
  }
}
for (const server of servers) server.stop();
await Promise.race([Promise.all(servers.map((s) => s.gone)), new Promise((r) => setTimeout(r, 5000))]);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failed) {
  console.error(`docs:check: ${failed} file(s) with failing examples (${seconds} s). Fix the doc, or the code if the doc is right.`);
  process.exit(1);
}
console.log(`docs:check: every example ran (${seconds} s)`);
