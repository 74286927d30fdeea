// @ts-check
/**
 * `npm start`: the whole system on this machine, offline, with no account.
 *   0. (`scripts/ensure-deps.mjs`, run first by the npm script: `npm ci` when node_modules is stale)
 *   1. the port checked free, or a clear refusal naming another,
 *   2. dev secrets generated on first run (scripts/dev-secrets.mjs),
 *   3. D1 migrations applied to the local database,
 *   4. `wrangler dev` running ChittyConnect and the emulator in one process, given a random
 *      INSTANCE_ID that its /health echoes,
 *   5. once /health answers with that instance and init finished: the URL and a dev token.
 * The port: `--port N` (or `--port=N`), else PORT, else 8787. Other arguments after
 * `npm start --` go to `wrangler dev`. Ctrl-C stops everything.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { ensureDevSecrets } from './dev-secrets.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { port, passThrough } = parseArgs(process.argv.slice(2), process.env.PORT);
const url = `http://127.0.0.1:${port}`;
const instance = randomUUID();
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
const env = {
  ...process.env,
  // Stay offline and quiet: no Request.cf fetch, no telemetry.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: process.env.CI ?? 'true', // non-interactive wrangler: no prompts
};

/**
 * Takes `--port N` / `--port=N` out of the arguments (wrangler gets the port once, from us).
 * @param {string[]} args
 * @param {string | undefined} envPort
 */
function parseArgs(args, envPort) {
  /** @type {string | undefined} */
  let given;
  /** @type {string[]} */
  const passThrough = [];
  for (let i = 0; i < args.length; i++) {
    const arg = /** @type {string} */ (args[i]);
    if (arg === '--port') given = args[++i] ?? '';
    else if (arg.startsWith('--port=')) given = arg.slice('--port='.length);
    else passThrough.push(arg);
  }
  const raw = given ?? envPort ?? '8787';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    console.error(`✗ ${given === undefined ? 'PORT' : '--port'} must be a port number (1–65535), not "${raw}".`);
    process.exit(2);
  }
  return { port, passThrough };
}

/**
 * Resolves with null when 127.0.0.1:`p` can be bound (and releases it at once), else the error code.
 * @param {number} p
 * @returns {Promise<string | null>}
 */
function bindError(p) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => resolve(err.code ?? err.message));
    server.listen({ port: p, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(null)));
  });
}

const busy = await bindError(port);
if (busy) {
  let free = port + 1;
  while (free < Math.min(port + 50, 65535) && (await bindError(free))) free++;
  const why = busy === 'EADDRINUSE' ? 'is already in use (another `npm start`, or some other server)' : `cannot be used (${busy})`;
  console.error(`✗ Port ${port} on 127.0.0.1 ${why}; not starting.
  Stop whatever holds it, or choose another port, e.g.:
    PORT=${free} npm start        or        npm start -- --port ${free}
  (npm run actor / npm run webhook then need the same PORT=${free}.)`);
  process.exit(1);
}

const { devToken, created } = ensureDevSecrets();
if (created) console.log('• Generated local secrets (.dev.vars, emulator/.dev.vars; git-ignored).');

console.log('• Applying D1 migrations to the local database…');
const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
if (migrate.status !== 0) {
  process.stderr.write(migrate.stdout);
  process.stderr.write(migrate.stderr);
  console.error('✗ Migrations failed; see above.');
  process.exit(1);
}

console.log(`• Starting ChittyConnect and the ChittyOS emulator on ${url} …`);
const dev = spawn(
  wrangler,
  [
    'dev',
    '-c',
    'wrangler.toml',
    '-c',
    'emulator/wrangler.toml',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--show-interactive-dev-session=false',
    // /health echoes it, so we know the server that answers is this one.
    '--var',
    `INSTANCE_ID:${instance}`,
    '--var',
    `SERVICE_URL:http://localhost:${port}`, // what it registers in ChittyRegistry: the port it really serves on
    // Anything else after `npm start --` goes to wrangler dev (e.g. --var NAME:value).
    ...passThrough,
  ],
  { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] },
);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

/** Waits for OUR /health (this run's instance) to report init finished, then prints how to use it. */
async function announce() {
  const deadline = Date.now() + 60_000;
  /** @type {any} */ // the /health body, read loosely: this is a console banner
  let health;
  while (Date.now() < deadline) {
    try {
      /** @type {any} */ // read loosely, as above
      const body = await (await fetch(`${url}/health`)).json();
      if (body.instance === instance) health = body;
      if (health && !['pending', 'running'].includes(health.init.state)) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!health) {
    console.error(`✗ ${url}/health did not answer as this server (instance ${instance}) within 60 s; see the wrangler output above.`);
    return;
  }
  const failed = Object.entries(health.init.steps)
    .filter(([, s]) => /** @type {{status: string}} */ (s).status !== 'done')
    .map(([name]) => name);
  const portVar = port === 8787 ? '' : `PORT=${port} `;
  console.log(`
────────────────────────────────────────────────────────────────────
 ChittyConnect is running: ${url}
   init: ${health.init.state}${failed.length ? ` (not done: ${failed.join(', ')})` : ''}  ChittyID: ${health.init.chittyId ?? '—'}
   API reference: ${url}/docs
   MCP server (for AI agents; docs/mcp.md): http://localhost:${port}/mcp
   Dev token (a ChittyAuth bearer token known to the local emulator only):
     ${devToken}
   More local actors and tokens:  ${portVar}npm run actor -- ai contexts:read "My agent"
   Try:
     curl -s -X POST -H "Authorization: Bearer ${devToken}" ${url}/v1/actors/register
     curl -s -H "Authorization: Bearer ${devToken}" ${url}/v1/actors/me
────────────────────────────────────────────────────────────────────`);
}
announce();
