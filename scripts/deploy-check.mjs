// @ts-check
/**
 * The deploy check (`npm run deploy:check`, run by CI): bundles each deployed environment
 * (staging, production) exactly as `wrangler deploy --env <env>` would, with `--dry-run --outdir`
 * — offline, no Cloudflare account needed — and fails when wrangler warns about the configuration
 * (a var or binding set at the top level only: `vars`, `services`… are not inherited by
 * environments) or the build fails. Prints each bundle's size, raw and gzipped, and fails over the
 * Workers Free plan's 3 MiB gzipped limit. The bundles are left in `.build/deploy/<env>/`.
 * Usage: `node scripts/deploy-check.mjs [config]` (default wrangler.toml). See docs/deploy.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { gzipSync } from 'node:zlib';

const ENVIRONMENTS = ['staging', 'production'];
/** The Workers Free plan's limit on a compressed Worker (Paid: 10 MiB). */
const MAX_GZIP_BYTES = 3 * 1024 * 1024;

const root = path.resolve(import.meta.dirname, '..');
const wrangler = path.join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const config = process.argv[2] ?? 'wrangler.toml';

/**
 * The size of a bundle as uploaded: every module wrangler wrote (the entry and the migrations it
 * imports as text), not the source map; gzipped as one stream, as wrangler's "Total Upload" counts it.
 * @param {string} dir
 */
function bundleSize(dir) {
  const names = readdirSync(dir)
    .filter((name) => !name.endsWith('.map') && name !== 'README.md')
    .sort((a, b) => Number(a === 'index.js') - Number(b === 'index.js'));
  const all = Buffer.concat(names.map((name) => readFileSync(path.join(dir, name))));
  return { raw: all.length, gzip: gzipSync(all).length, modules: names.length };
}

/**
 * Configuration warnings that are intended, each for a stated reason. Only one: the ECOSYSTEM
 * service binding is at the top level (`npm start` and the tests reach the emulator through it)
 * and deliberately not in the deployed envs, which call the real services with the global fetch.
 * Matches the warning's line and its indented continuation lines.
 */
const INTENDED = [/^( *)- There is a services binding with name "ECOSYSTEM" at the top level, but not on "env\.[\w-]+"\.(\n\1 {2}.*)*/gm];

/**
 * The warnings and errors in wrangler's output (`▲ [WARNING] …`, `✘ [ERROR] …`), each with the
 * indented lines that explain it, less the intended ones. A configuration warning lists one item
 * per problem under a line per environment; a block whose items are all intended is dropped.
 * @param {string} output
 * @returns {string[]}
 */
function problems(output) {
  const found = [];
  const lines = stripVTControlCharacters(output).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/\[(WARNING|ERROR)\]/.test(lines[i] ?? '')) continue;
    const block = [lines[i]];
    while (i + 1 < lines.length && (/^\s/.test(lines[i + 1] ?? '') || lines[i + 1] === '')) block.push(lines[++i]);
    const rest = INTENDED.reduce((left, intended) => left.replace(intended, ''), block.join('\n').trimEnd());
    const items = rest.split('\n').filter((line) => /^\s*- /.test(line) && !/^\s*- "env\.[\w-]+" environment configuration$/.test(line));
    const configOnly = /\[WARNING\] Processing .* configuration:$/.test(block[0] ?? '');
    if (!configOnly || items.length > 0) found.push(rest);
  }
  return found;
}

const kib = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function check(/** @type {string} */ env) {
  const outdir = path.join(root, '.build', 'deploy', env);
  rmSync(outdir, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--config', config, '--env', env, '--outdir', outdir], {
    cwd: root,
    encoding: 'utf8',
    // Offline: no Request.cf fetch, no telemetry, and no banner (whose update check asks npm).
    // Colours off, for parsing.
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const found = problems(output);
  if (run.status !== 0 || found.length > 0) {
    console.error(`✗ ${env}: \`wrangler deploy --dry-run --env ${env}\` ${run.status !== 0 ? `exited with ${run.status}` : 'warned'}:`);
    console.error(found.length > 0 ? found.join('\n\n') : output.trim() || String(run.error));
    const configWarning = found.some((problem) => /\[WARNING\] Processing .* configuration:/.test(problem));
    console.error(
      configWarning
        ? `  Fix ${config}: [env.${env}] must declare every var and binding it needs (see docs/deploy.md).`
        : '  Fix the error above, then run `npm run deploy:check` again.',
    );
    return false;
  }
  const size = bundleSize(outdir);
  const over = size.gzip > MAX_GZIP_BYTES;
  const line = `${env}: ${kib(size.raw)} raw, ${kib(size.gzip)} gzipped (${size.modules} modules)`;
  if (over) console.error(`✗ ${line}: over the ${kib(MAX_GZIP_BYTES)} gzipped limit of the Workers Free plan`);
  else console.log(`✓ ${line}; no configuration warning`);
  return !over;
}

const results = ENVIRONMENTS.map(check);
if (results.includes(false)) process.exit(1);
