/**
 * Loads a TypeScript module of src/ in Node (Node 20 cannot run .ts itself): esbuild bundles it
 * in memory and it is imported from a data: URL. Used by the command-line tools (`npm run
 * analyze`, `npm run triage`) and the benchmarks, so they run the very code the Worker runs.
 */
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');

/** @param {string} entry a path relative to the project root, e.g. 'src/analysis/index.ts' */
export async function loadTs(entry) {
  const out = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  const code = out.outputFiles[0]?.text ?? '';
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}
