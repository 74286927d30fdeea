/** Applies the migrations to the test database, as `npm start` does with wrangler. Idempotent. */
import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
