/** Migration files are bundled as text (wrangler's default rule for `*.sql`; a Vite plugin in tests). */
declare module '*.sql' {
  const sql: string;
  export default sql;
}
