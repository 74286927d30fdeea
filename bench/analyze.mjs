// @ts-check
/**
 * The analysis engine's speed on a big pull request: a generated diff of 500 files and 20,000
 * added lines (JS/TS, Python, Go, Java, Ruby and workflow files, 40 added lines each between
 * context lines, with a few planted findings), analysed in-process by the same code the Worker
 * runs (src/analysis, bundled by esbuild). p50/p95 over `--runs` runs after warm-up; side by side
 * in the same run, the time to only parse the diff (the floor any engine pays), so the ratio says
 * what the rules cost. Target (issue 11): p50 under 100 ms, well inside a Worker's CPU budget.
 *
 *   node bench/analyze.mjs [--runs 30]
 * Results: bench/results/analyze.md
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadTs } from '../scripts/load-ts.mjs';
import { fmt, machine, writeResults } from './lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);

/** Plausible lines per language; a few files also get a planted finding. @type {Record<string, (i: number) => string[]>} */
const LINES = {
  ts: (i) => [
    `  const value${i} = await fetchItem(ids[${i}], { retries: 3 });`,
    `  if (value${i}.status !== 'ok') throw new Error(\`item ${i} failed\`);`,
  ],
  py: (i) => [
    `    value_${i} = fetch_item(ids[${i}], retries=3)`,
    `    if value_${i}.status != "ok":`,
    `        raise ValueError(f"item {${i}} failed")`,
  ],
  go: (i) => [`\tvalue${i}, err := fetchItem(ctx, ids[${i}])`, '\tif err != nil {', `\t\treturn fmt.Errorf("item ${i}: %w", err)`, '\t}'],
  java: (i) => [
    `        Item value${i} = repository.findById(ids.get(${i})).orElseThrow();`,
    `        log.debug("loaded {}", value${i}.getName());`,
  ],
  rb: (i) => [`    value_${i} = Item.find_by(id: ids[${i}])`, `    raise ArgumentError, "item ${i} missing" unless value_${i}`],
  yml: (i) => [`      - name: step ${i}`, `        run: npm run task-${i}`],
};
const EXT = ['ts', 'py', 'go', 'java', 'rb', 'ts', 'py', 'go', 'java', 'yml'];
/** @type {Record<string, string>} */
const PLANTED = {
  ts: `const token = "ghp_${'Z'.repeat(4)}q8Xw2LmN4vB7cK1pR9sT3uY6iO0aE5dF";`,
  py: '    cursor.execute(f"SELECT * FROM users WHERE name = \'{name}\'")',
  go: '\tout, _ := exec.Command("sh", "-c", "git log " + branch).Output()',
  java: '        stmt.executeQuery("SELECT * FROM t WHERE id = " + id);',
  rb: '    User.where("name = \'#{params[:name]}\'")',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, planted as a finding
  yml: '        run: echo "${{ github.event.issue.title }}"',
};

function generate(files = 500, addedPerFile = 40) {
  const out = [];
  for (let f = 0; f < files; f++) {
    const ext = EXT[f % EXT.length] ?? 'ts';
    const path = ext === 'yml' ? `.github/workflows/job-${f}.yml` : `src/module${f % 37}/file${f}.${ext}`;
    const gen = LINES[ext] ?? LINES.ts;
    if (!gen) throw new Error(`no generator for ${ext}`);
    const added = [];
    for (let i = 0; added.length < addedPerFile; i++) added.push(...gen(f * 100 + i));
    added.length = addedPerFile;
    if (f % 23 === 0) added[addedPerFile >> 1] = PLANTED[ext] ?? added[0];
    const before = ['// context above', '// more context', '// last context'];
    const after = ['// context below', '// and more', '// the end'];
    out.push(
      `diff --git a/${path} b/${path}`,
      `--- a/${path}`,
      `+++ b/${path}`,
      `@@ -100,6 +100,${6 + addedPerFile} @@`,
      ...before.map((l) => ` ${l}`),
      ...added.map((l) => `+${l}`),
      ...after.map((l) => ` ${l}`),
    );
  }
  return `${out.join('\n')}\n`;
}

/** @param {number[]} xs @param {number} p */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const engine = await loadTs('src/analysis/index.ts');
const diff = generate();
// BENCH_DUMP_DIFF=/tmp/x.diff keeps the generated diff, e.g. to profile the rules one by one.
if (process.env.BENCH_DUMP_DIFF) writeFileSync(process.env.BENCH_DUMP_DIFF, diff);
const addedLines = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;

for (let i = 0; i < 5; i++) engine.analyzeDiff(diff);
const full = [];
const parse = [];
let result = engine.analyzeDiff(diff);
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  engine.parseDiff(diff);
  parse.push(performance.now() - t);
  t = performance.now();
  result = engine.analyzeDiff(diff);
  full.push(performance.now() - t);
}
const p50 = percentile(full, 50);
/** @param {{ ruleId: string }[]} findings */
const byRule = (findings) => {
  const counts = new Map();
  for (const f of findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
};
/** @param {string} name @param {number[]} xs */
const line = (name, xs) => `| ${name} | ${fmt(percentile(xs, 50))} | ${fmt(percentile(xs, 95))} | ${fmt(Math.max(...xs))} |`;
const md = `# Analysis engine: a 500-file, 20,000-line diff

- Date: ${new Date().toISOString()}
- Machine: ${machine()}
- Command: \`node bench/analyze.mjs --runs ${runs}\`
- Input: a generated unified diff, 500 files (TS, Python, Go, Java, Ruby, workflows), **${addedLines} added lines**
  (${(diff.length / 1024 / 1024).toFixed(2)} MiB), 6 context lines per file, a planted finding in every 23rd file (all languages);
  ${engine.ALL_RULES.length} rules. ${runs} runs after 5 warm-up runs, in one Node process.
- Target (issue 11): engine p50 under 100 ms.

| step | p50 ms | p95 ms | max ms |
| --- | --- | --- | --- |
${line('parse the diff only', parse)}
${line('**analyse (parse + every rule)**', full)}

- Rules cost **${fmt(p50 / percentile(parse, 50))} ×** the parse alone (ratio of the two p50s measured side by side).
- Findings: ${result.findings.length} (${byRule(result.findings)}); files analysed ${result.files}, skipped ${result.skipped.length}.
- Target met: **${p50 < 100 ? 'yes' : 'no'}** (p50 ${fmt(p50)} ms).
`;
writeResults('analyze.md', md);
process.stdout.write(md);
