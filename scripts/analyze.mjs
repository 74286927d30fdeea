#!/usr/bin/env node
/**
 * npm run analyze -- <file.diff | -> [--format json|sarif] [--ignore <glob>]… [--disable <rule>]… [--fail-on <severity>]
 *
 * Runs the analysis engine (src/analysis/, the code the GitHub App runs) on a unified diff — a
 * file, or standard input with `-` — and prints the findings as JSON (default) or SARIF 2.1.0.
 * Exit status: 0 when done (1 with --fail-on when a finding reaches that severity), 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadTs } from './load-ts.mjs';

const USAGE =
  'usage: npm run analyze -- <file.diff | -> [--format json|sarif] [--ignore <glob>]… [--disable <rule>]… [--fail-on critical|high|medium|low]';

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`analyze: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function args() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'json' },
        ignore: { type: 'string', multiple: true, default: [] },
        disable: { type: 'string', multiple: true, default: [] },
        'fail-on': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}
const { values, positionals } = args();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (positionals.length !== 1) fail(positionals.length === 0 ? 'give a diff file, or - for standard input' : 'give exactly one diff');
if (!['json', 'sarif'].includes(values.format)) fail(`--format must be json or sarif, not ${values.format}`);
const severities = ['critical', 'high', 'medium', 'low'];
if (values['fail-on'] !== undefined && !severities.includes(values['fail-on'])) fail(`--fail-on must be one of ${severities.join(', ')}`);

let text;
try {
  const source = String(positionals[0]);
  text = source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
} catch (err) {
  fail(`cannot read ${positionals[0]}: ${err instanceof Error ? err.message : String(err)}`);
}

const engine = await loadTs('src/analysis/index.ts');
const result = engine.analyzeDiff(text, { ignorePaths: values.ignore, disabledRules: values.disable });
const output = values.format === 'sarif' ? engine.toSarif(result) : result;
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);

const failOn = values['fail-on'];
if (
  failOn &&
  result.findings.some((/** @type {{ severity: string }} */ f) => engine.severityRank(f.severity) >= engine.severityRank(failOn))
)
  process.exitCode = 1;
