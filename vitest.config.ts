/**
 * Tests run inside workerd (vitest-pool-workers) with the real local D1, KV and Queues of
 * wrangler.toml, and the emulator worker as an auxiliary worker behind the ECOSYSTEM binding.
 * The emulator is bundled with esbuild first, since auxiliary workers are not built by Vite.
 */
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { buildSync } from 'esbuild';
import { defineConfig } from 'vitest/config';

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

/** Test-only secrets: the emulator accepts any non-empty service token. */
export const TEST_SECRETS = {
  CHITTY_ID_SERVICE_TOKEN: 'test-id-token',
  CHITTY_AUTH_SERVICE_TOKEN: 'test-auth-token',
  CHITTY_REGISTRY_TOKEN: 'test-registry-token',
  CHITTY_DNA_TOKEN: 'test-dna-token',
  CHITTY_CHRONICLE_TOKEN: 'test-chronicle-token',
  CHITTY_VERIFY_TOKEN: 'test-verify-token',
  CHITTY_CERTIFY_TOKEN: 'test-certify-token',
};

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
          ...TEST_SECRETS,
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, 'migrations')),
        },
        // A second, empty database for testing schema set-up from scratch.
        d1Databases: ['SCRATCH_DB'],
        workers: [
          {
            name: 'chittyconnect-emulator',
            modules: true,
            scriptPath: emulatorBundle,
            compatibilityDate: '2026-04-01',
            compatibilityFlags: ['nodejs_compat'],
            d1Databases: ['EMU_DB'],
            bindings: { DEV_TOKEN: 'emu_test-dev-token' },
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
    coverage: {
      provider: 'istanbul',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 80 },
    },
  },
});
