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
