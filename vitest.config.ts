/**
 * Tests run inside workerd (vitest-pool-workers) with the real local D1, KV and Queues of
 * wrangler.toml, and the emulator worker as an auxiliary worker behind the ECOSYSTEM binding.
 * The emulator is bundled with esbuild first, since auxiliary workers are not built by Vite.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { buildSync } from 'esbuild';
import { defineConfig } from 'vitest/config';
import { experimental_readRawConfig, type Unstable_RawConfig } from 'wrangler';
import { checkOpenApi } from './scripts/check-openapi.mjs';
import { freshSecrets } from './scripts/dev-secrets.mjs';
import { buildDocsAssets } from './scripts/docs-assets.mjs';

// Offline and quiet, however the suite is started: no Request.cf fetch, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
process.env.WRANGLER_SEND_METRICS ??= 'false';

const root = import.meta.dirname;
const emulatorBundle = path.join(root, '.build/emulator/index.js');

buildSync({
  entryPoints: [path.join(root, 'emulator/src/index.ts')],
  outfile: emulatorBundle,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  conditions: ['workerd', 'worker', 'import'],
  logLevel: 'warning',
});

// The static assets (wrangler.toml [assets]) include the API reference's bundle, copied from node_modules.
buildDocsAssets(root);

// Every secret is a binding here (fresh values, in memory).
const secrets = freshSecrets();

/**
 * wrangler reads the `.dev.vars` (or `.env`) next to the config it is given and adds every value in
 * it to the bindings, printing "Using secrets defined in .dev.vars" once per test file. Tests must
 * not depend on a developer's files, so the pool gets wrangler.toml's top level as JSON in a folder
 * that holds neither (paths — migrations, assets — made absolute); the deployed environments are left out.
 */
function localWranglerConfig(): string {
  // Typed here: wrangler re-exports the reader from @cloudflare/workers-utils, whose types it does not ship.
  const rawConfig: Unstable_RawConfig = experimental_readRawConfig({ config: path.join(root, 'wrangler.toml') }).rawConfig;
  const { env: _deployed, ...local } = rawConfig;
  const file = path.join(root, '.build/test-wrangler/wrangler.json');
  const d1Databases = local.d1_databases?.map((db) => ({ ...db, migrations_dir: path.join(root, db.migrations_dir ?? 'migrations') }));
  const assets = local.assets && { ...local.assets, directory: path.join(root, local.assets.directory ?? 'public') };
  const json = JSON.stringify(
    { ...local, main: path.join(root, local.main ?? 'src/index.ts'), d1_databases: d1Databases, assets },
    null,
    2,
  );
  // Written aside and renamed, so a run starting at the same moment never reads half a file.
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}`, json);
  renameSync(`${file}.${process.pid}`, file);
  return file;
}

/**
 * Test output. A passing run should be quiet enough that a failure stands out, so three kinds of
 * line the tests provoke on purpose are dropped; `TEST_LOGS=all npx vitest run …` shows them all.
 * - The worker's JSON lines at `debug`/`info` (stdout) and `warn` (faults injected into the
 *   emulator, refused input…). Its `error` lines, and any other output (a library's warning, an
 *   uncaught error), stay. A failing test's assertion is reported by vitest either way.
 * - Two runtime lines, printed outside vitest's console capture: Miniflare's note for each message a
 *   test lets exhaust its retries (the dead-letter consumer stores it, and tests assert that), and
 *   workerd's note on the non-ASCII header values the fuzz tests send.
 */
const showAllLogs = process.env.TEST_LOGS === 'all';
const RUNTIME_NOISE = [
  /^\[mf:warn\] Moving message "[^"]*" on queue "[^"]*" to dead letter queue "[^"]*" after \d+ failed attempts?\.\.\.$/,
  /^A header value for "[^"]*" contains non-ASCII characters: .* Consider encoding this string in ASCII for compatibility with browser implementations of the Fetch specification\.$/,
];

function keepConsoleLine(log: string, type: 'stdout' | 'stderr'): boolean {
  return showAllLogs || (type === 'stderr' && !log.trimStart().startsWith('{"level":"warn",'));
}

/** Drops whole writes that are one line of RUNTIME_NOISE from `stream` (once per process). */
function dropRuntimeNoise(stream: NodeJS.WriteStream): void {
  const marked = stream as NodeJS.WriteStream & { quietRuntime?: true };
  if (showAllLogs || marked.quietRuntime) return;
  marked.quietRuntime = true;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const line = typeof chunk === 'string' ? stripVTControlCharacters(chunk).trimEnd() : '';
    if (!line.includes('\n') && RUNTIME_NOISE.some((noise) => noise.test(line))) {
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (done) process.nextTick(done);
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
dropRuntimeNoise(process.stdout);
dropRuntimeNoise(process.stderr);

export default defineConfig({
  plugins: [
    {
      // Migrations are imported as text, as wrangler's default `*.sql` rule does in the worker.
      name: 'sql-as-text',
      transform(code, id) {
        if (id.endsWith('.sql')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
    cloudflareTest(async () => ({
      main: './src/index.ts',
      wrangler: { configPath: localWranglerConfig() },
      miniflare: {
        bindings: {
          ...secrets.main,
          // A small budget for the ai tier so the rate-limit test can exhaust it exactly; other tiers keep their defaults.
          RATE_LIMIT_TIERS: JSON.stringify({ ai: 25 }),
          // Tests drive the sweep by hand: it re-sends every undelivered event, and retries do not wait.
          OUTBOX_RESEND_AFTER_SECONDS: '0',
          QUEUE_RETRY_BASE_SECONDS: '0',
          ECOSYSTEM_BREAKER_OPEN_SECONDS: '1',
          // The GitHub client's retries wait 10, 40, 90 ms instead of seconds, and writes are not spaced.
          GITHUB_RETRY_UNIT_MS: '10',
          GITHUB_WRITE_SPACING_MS: '0',
          // Connection hosts are resolved (over the emulator's DoH stand-in) as outside development.
          CONNECTIONS_RESOLVE_HOSTS: 'on',
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, 'migrations')),
        },
        // A second, empty database for testing schema set-up from scratch.
        d1Databases: ['SCRATCH_DB'],
        // The OpenAPI validator runs here in Node (ajv compiles with `new Function`, which workerd
        // forbids); test/docs/openapi.test.ts posts the emitted document to it.
        serviceBindings: {
          OPENAPI_CHECK: async (request: Request) => Response.json(await checkOpenApi(await request.json())),
        },
        workers: [
          {
            name: 'chittyconnect-emulator',
            modules: true,
            scriptPath: emulatorBundle,
            compatibilityDate: '2026-04-01',
            compatibilityFlags: ['nodejs_compat'],
            d1Databases: ['EMU_DB'],
            bindings: secrets.emulator,
          },
        ],
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // Faults injected into the emulator are global to the run, so test files run one at a time.
    fileParallelism: false,
    testTimeout: 20_000,
    onConsoleLog: keepConsoleLine,
    coverage: {
      provider: 'istanbul',
      include: ['src/**/*.ts'],
      // The emulator is the outside world, not the product: a test that imports one of its modules must not pull it into the floors.
      exclude: ['src/**/*.d.ts', 'emulator/**'],
      reporter: ['text-summary', 'json-summary'],
      // Every file on its own, not only the total: a file whose tests are lost fails the run even
      // when the rest hides it. Floors sit just below the weakest files today (lines 77 ecosystem/startup.ts,
      // statements 72 and branches 47 connections/reencrypt.ts, functions 67 queue/after-write.ts); the
      // totals are ~96 % lines and ~84 % branches.
      thresholds: { perFile: true, lines: 75, statements: 70, functions: 65, branches: 45 },
    },
  },
});
