/** Migration files are bundled as text (wrangler's default rule for `*.sql`; a Vite plugin in tests). */
declare module '*.sql' {
  const sql: string;
  export default sql;
}

/** Bottleneck's light build (no Redis clustering), the one the octokit plugins use; same API as the full one. */
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}

/**
 * The one Node module the Worker uses (under `nodejs_compat`): the runtime provides it; only its
 * types are missing, since the project does not take all of @types/node into the Worker's types.
 */
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
