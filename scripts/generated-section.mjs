/**
 * A generated part of a doc, between two marker lines: rewritten by the generator, or with
 * `--check` (in CI) compared and failed when out of date. Used by `npm run docs:rules` and
 * `npm run docs:mcp`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {{ file: string, begin: string, end: string, generated: string, what: string, command: string }} o
 *   `generated` includes both markers; `what` names the content ("the rules"), `command` the npm script.
 * @returns {boolean} whether the file was (or, with --check, is) up to date
 */
export function updateSection(o) {
  const name = path.relative(path.resolve(import.meta.dirname, '..'), o.file);
  const current = readFileSync(o.file, 'utf8');
  const start = current.indexOf(o.begin);
  const end = current.indexOf(o.end);
  if (start < 0 || end < start) {
    process.stderr.write(`${name} lacks the ${o.begin} … ${o.end} markers\n`);
    process.exit(2);
  }
  const next = `${current.slice(0, start)}${o.generated}${current.slice(end + o.end.length)}`;
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write(`${name} is out of date with ${o.what}: run \`${o.command}\` and commit it\n`);
      process.exit(1);
    }
    return true;
  }
  if (next !== current) writeFileSync(o.file, next);
  return next === current;
}
