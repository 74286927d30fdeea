// @ts-check
/**
 * Run by `npm start` and `npm test` before anything that needs a dependency (vitest.config.ts
 * imports esbuild and the pool): on a fresh clone, or after a pull that changed the lockfile, it
 * installs with `npm ci`. node_modules counts as current when npm's own record of the last
 * install, `node_modules/.package-lock.json`, is at least as new as `package-lock.json`; so a
 * warm run costs two `stat` calls and prints nothing.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Why the project in `dir` needs an install, or `null` when node_modules is current
 * (or there is no lockfile to install from).
 * @param {string} dir
 * @returns {string | null}
 */
export function installReason(dir) {
  const lock = statSync(path.join(dir, 'package-lock.json'), { throwIfNoEntry: false });
  if (!lock) return null;
  const installed = statSync(path.join(dir, 'node_modules', '.package-lock.json'), { throwIfNoEntry: false });
  if (!installed) return 'node_modules is missing';
  if (installed.mtimeMs < lock.mtimeMs) return 'package-lock.json is newer than node_modules';
  return null;
}

/** Installs with `npm ci` when needed; exits with npm's status if the install fails. */
async function ensureDeps() {
  const root = path.resolve(import.meta.dirname, '..');
  const reason = installReason(root);
  if (!reason) return;
  console.log(`• Installing dependencies with \`npm ci\` (${reason})…`);
  // Under `npm start`/`npm test`, npm_execpath is the npm that runs us: use the same one.
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  const { spawnSync } = await import('node:child_process'); // only now: a warm run skips loading it
  const res = spawnSync(cmd, [...args, 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('✗ `npm ci` failed; see above. Fix that, then run the command again.');
    process.exit(res.status ?? 1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await ensureDeps();
