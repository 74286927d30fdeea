/**
 * Tests run inside workerd (vitest-pool-workers) with the real local D1, KV and Queues of
 * wrangler.toml, and the emulator worker as an auxiliary worker behind the ECOSYSTEM binding.
 * The emulator is bundled with esbuild first, since auxiliary workers are not built by Vite.
 */
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { buildSync } from 'esbuild';
import { defineConfig } from 'vitest/config';
import { checkOpenApi } from './scripts/check-openapi.mjs';
import { freshSecrets } from './scripts/dev-secrets.mjs';

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

// Every secret is a binding here, so tests never read a developer's .dev.vars (the bindings win).
const secrets = freshSecrets();

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
      wrangler: { configPath: './wrangler.toml' },
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
    // The worker logs one JSON line per event; keep test output to warnings and errors.
    onConsoleLog: (_log, type) => type === 'stderr',
    coverage: {
      provider: 'istanbul',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      // Every file on its own, not only the total: a file whose tests are lost fails the run even
      // when the rest hides it. Floors sit just below the weakest files today (lines 77 ecosystem/startup.ts,
      // statements 72 and branches 47 connections/reencrypt.ts, functions 67 queue/after-write.ts); the
      // totals are ~96 % lines and ~84 % branches.
      thresholds: { perFile: true, lines: 75, statements: 70, functions: 65, branches: 45 },
    },
  },
});
