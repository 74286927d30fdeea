// @ts-check
/**
 * The API reference's browser bundle, made ready to serve: copies Swagger UI (`swagger-ui-dist`,
 * pinned in package.json) from node_modules into `public/docs/vendor/swagger-ui-<version>/`, which
 * Workers Static Assets serve (wrangler.toml `[assets]`) beside the committed `public/docs/init.js`.
 * The copies are generated and git-ignored, never committed. The folder is named after the version,
 * so `public/_headers` can let browsers cache it for a year, and an upgrade gets new URLs.
 *
 * Run by `npm start`, `npm run deploy:check` and the deploy scripts (package.json), and by
 * vitest.config.ts for the tests. A warm run compares sizes and times and copies nothing.
 * Usage: `node scripts/docs-assets.mjs`.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the page loads, and the licence that goes with it (Apache-2.0: LICENSE and NOTICE travel with the copy). */
const FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'];

/** True when `to` is a copy of `from` made by this script (same size, same modification time). */
function current(/** @type {string} */ from, /** @type {string} */ to) {
  const source = statSync(from);
  const copy = statSync(to, { throwIfNoEntry: false });
  return copy !== undefined && copy.size === source.size && copy.mtimeMs === source.mtimeMs;
}

/**
 * Copies the bundle into `<root>/public/docs/vendor/swagger-ui-<version>/` (when not already
 * there) and removes other versions' folders. Returns the folder and the version.
 * @param {string} root the project's root
 */
export function buildDocsAssets(root) {
  const source = path.join(root, 'node_modules', 'swagger-ui-dist');
  const pkgFile = path.join(source, 'package.json');
  if (statSync(pkgFile, { throwIfNoEntry: false }) === undefined) {
    throw new Error(`${pkgFile} is missing: run \`npm ci\` (npm start and npm test do it by themselves), then try again.`);
  }
  const { version } = /** @type {{ version: string }} */ (JSON.parse(readFileSync(pkgFile, 'utf8')));
  const vendor = path.join(root, 'public', 'docs', 'vendor');
  const dir = path.join(vendor, `swagger-ui-${version}`);
  mkdirSync(dir, { recursive: true });
  for (const name of FILES) {
    const from = path.join(source, name);
    const to = path.join(dir, name);
    if (current(from, to)) continue;
    // Copied aside and renamed, so a server or test run starting at the same moment never serves half a file.
    const partial = `${to}.${process.pid}.partial`;
    cpSync(from, partial, { preserveTimestamps: true });
    renameSync(partial, to);
  }
  for (const entry of readdirSync(vendor)) {
    if (entry.startsWith('swagger-ui-') && entry !== path.basename(dir)) rmSync(path.join(vendor, entry), { recursive: true, force: true });
  }
  return { dir, version };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildDocsAssets(path.resolve(import.meta.dirname, '..'));
  } catch (err) {
    console.error(`✗ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
