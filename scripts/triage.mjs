// @ts-check
/**
 * Runs the issue classifier on one GitHub issue and prints its decision as JSON:
 *   npm run triage -- <issue.json | ->
 * The input is a GitHub issue object (at least `title`; `body`, `labels`, `reactions` are read
 * when present) or a webhook payload `{ "issue": { … } }`; `-` reads it from stdin. Bad input
 * exits 2 with a one-line message. Runs the Worker's own code (src/analysis/triage).
 */
import { readFileSync } from 'node:fs';
import { loadTs } from './load-ts.mjs';

/** One line on stderr, exit 2. @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`triage: ${message.replace(/\s+/g, ' ')}\n`);
  process.exit(2);
}

const source = process.argv[2];
if (!source || process.argv.length > 3) fail('usage: npm run triage -- <issue.json | ->  (- reads the issue from stdin)');

/** @returns {string} */
function readInput() {
  try {
    return source === '-' ? readFileSync(0, 'utf8') : readFileSync(/** @type {string} */ (source), 'utf8');
  } catch (err) {
    return fail(`cannot read ${source === '-' ? 'stdin' : source}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const text = readInput();

/** @type {unknown} */
let parsed;
try {
  parsed = JSON.parse(text);
} catch (err) {
  fail(`the input is not JSON (${err instanceof Error ? err.message : String(err)}); pass a GitHub issue object`);
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const issue = isObject(parsed) && isObject(parsed.issue) ? parsed.issue : parsed;
if (!isObject(issue) || typeof issue.title !== 'string' || issue.title.trim() === '')
  fail('the issue has no "title" string; pass a GitHub issue object ({"title": …, "body": …}) or a webhook payload ({"issue": {…}})');
if (isObject(issue) && issue.body !== undefined && issue.body !== null && typeof issue.body !== 'string')
  fail('"body" must be a string or null');

const { triageIssue } = await loadTs('src/analysis/triage/index.ts');
const { labels, priority, reasons, type, scores } = triageIssue(issue);
process.stdout.write(`${JSON.stringify({ labels, priority, reasons, type, scores }, null, 2)}\n`);
