/** Bindings the tests see: the worker's Env plus test-only ones from vitest.config.ts. */
import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      ECOSYSTEM: Fetcher;
      SCRATCH_DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
