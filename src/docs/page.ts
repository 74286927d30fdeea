/**
 * The `/docs` page: Swagger UI (npm `swagger-ui-dist`), served from this origin and pointed at
 * `/openapi.json` by `/docs/init.js`. The worker answers only this small HTML page; the bundle and
 * the init script are static assets (wrangler.toml `[assets]`, folder `public/`): the bundle is
 * copied there from node_modules by scripts/docs-assets.mjs, into a folder named after its version.
 * Nothing on the page comes from anywhere else, and its Content-Security-Policy says so.
 */
import swaggerUi from 'swagger-ui-dist/package.json';

/** Where the bundle is served: the version is in the path, so browsers may keep it for a year (public/_headers). */
export const VENDOR_PATH = `/docs/vendor/swagger-ui-${swaggerUi.version}`;

/** The page's scripts and styles, in load order: all same-origin. */
export const PAGE_SCRIPTS = [`${VENDOR_PATH}/swagger-ui-bundle.js`, '/docs/init.js'];
export const PAGE_STYLES = [`${VENDOR_PATH}/swagger-ui.css`, '/docs/docs.css'];

/**
 * Everything from this origin or nothing. Each allowance beyond `default-src 'none'`, and why:
 * - script-src 'self': the bundle and init.js; no inline script, no eval (the bundle needs neither).
 * - style-src 'self': the two stylesheets. Swagger UI's dynamic styles (syntax highlighting, the
 *   filter box) are set through the DOM's style properties, which CSP does not restrict, so no
 *   'unsafe-inline' is needed.
 * - img-src 'self' data:: swagger-ui.css draws its icons as data: URLs (SVG, and two small bitmaps).
 * - connect-src 'self': fetching /openapi.json, and "Try it out", which init.js points at this origin.
 * - base-uri, form-action 'none': nothing on the page sets a base or submits a form to a URL (the
 *   Authorize dialog's form is handled in script); frame-ancestors 'none': never inside a frame.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DOCS_HEADERS: Record<string, string> = {
  'content-security-policy': DOCS_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The page names the bundle's version: revalidate it, so a deploy with a new version is seen at once.
  'cache-control': 'no-cache',
};

/** The HTML of `/docs` (fixed: every part is a constant). */
export function referencePage(title: string): string {
  const styles = PAGE_STYLES.map((href) => `<link rel="stylesheet" href="${href}">`).join('\n');
  const scripts = PAGE_SCRIPTS.map((src) => `<script defer src="${src}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} API reference</title>
<link rel="icon" href="data:,">
${styles}
${scripts}
</head>
<body>
<noscript>This API reference needs JavaScript. The machine-readable description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<main id="swagger-ui">Loading the API reference…</main>
</body>
</html>
`;
}
