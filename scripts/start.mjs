// @ts-check
/**
 * `npm start`: the whole system on this machine, offline, with no account.
 *   1. dev secrets generated on first run (scripts/dev-secrets.mjs),
 *   2. D1 migrations applied to the local database,
 *   3. `wrangler dev` running ChittyConnect and the emulator in one process,
 *   4. once /health reports init complete: the URL and a ready-to-use dev token.
 * PORT (default 8787) picks the port; arguments after `npm start --` go to `wrangler dev`.
 * Ctrl-C stops everything.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureDevSecrets } from './dev-secrets.mjs';

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 8787);
const url = `http://127.0.0.1:${port}`;
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
const env = {
  ...process.env,
  // Stay offline and quiet: no Request.cf fetch, no telemetry.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: process.env.CI ?? 'true', // non-interactive wrangler: no prompts
};

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
    // Anything after `npm start --` goes to wrangler dev (e.g. --var NAME:value).
    ...process.argv.slice(2),
  ],
  { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] },
);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

/** Waits for /health to report init finished, then prints how to use the running system. */
async function announce() {
  const deadline = Date.now() + 60_000;
  /** @type {any} */ // the /health body, read loosely: this is a console banner
  let health;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      health = await res.json();
      if (!['pending', 'running'].includes(health.init.state)) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!health) {
    console.error(`✗ ${url}/health did not answer within 60 s; see the wrangler output above.`);
    return;
  }
  const failed = Object.entries(health.init.steps)
    .filter(([, s]) => /** @type {{status: string}} */ (s).status !== 'done')
    .map(([name]) => name);
  console.log(`
────────────────────────────────────────────────────────────────────
 ChittyConnect is running: ${url}
   init: ${health.init.state}${failed.length ? ` (not done: ${failed.join(', ')})` : ''}  ChittyID: ${health.init.chittyId ?? '—'}
   API reference: ${url}/docs
   Dev token (a ChittyAuth bearer token known to the local emulator only):
     ${devToken}
   More local actors and tokens:  npm run actor -- ai contexts:read "My agent"
   Try:
     curl -s -X POST -H "Authorization: Bearer ${devToken}" ${url}/v1/actors/register
     curl -s -H "Authorization: Bearer ${devToken}" ${url}/v1/actors/me
────────────────────────────────────────────────────────────────────`);
}
announce();
