/**
 * Dangerous code in JavaScript and TypeScript: dynamic code execution (eval, Function, string
 * timers, vm), shell commands built from values, SQL built by interpolation or concatenation,
 * TLS verification turned off and insecure deserialization (HTML and template injection: javascript-web.ts).
 * A call is a finding when its argument is visibly built from something that is not a constant
 * (or, for the most dangerous sinks, is anything but a literal); a literal, a parameterised query
 * or a tagged template (`sql\`…${x}\``) is not.
 */
import type { Match, Rule, SourceFile } from '../types';
import { type CallSite, callSites, exprAt, isCode, narrow, SQL_NEEDLES, segmentMatches } from './call-args';
import { hit, JS_WEB_RULES, meta } from './javascript-web';
import { classifyArg, requestSeverity, structuralOnly } from './taint';

const SQL_TEXT =
  /\b(?:select\b[\s\S]{0,400}?\bfrom|insert\s+(?:or\s+\w+\s+)?into|update\s+[`"'\w.$]+\s+set|delete\s+from|create\s+(?:table|index|view)|drop\s+(?:table|index|view)|alter\s+table|truncate\s+table)\b|\bwhere\s+[\w."`]+\s*(?:=|<|>|\blike\b|\bin\b)/i;
/** A condition or ordering clause around an interpolation: `id = ${id}`, `name LIKE '%${q}%'`, `ORDER BY ${col}`. */
const SQL_FRAGMENT =
  /(?:[=<>]|\b(?:like|in|is|order\s+by|group\s+by)\b)\s*\(?\s*['"]?%?\$\{|\$\{[^}]*\}['"]?\s*(?:[=<>]|\b(?:asc|desc|like|and|or)\b)/i;
/** A command built with a shell-quoting helper is quoted, not injectable. */
const QUOTED = /\b(?:shellescape|shellEscape|shell_escape|escapeShellArg|shq|quote)\s*\(/;

const UNSEEN_COMMAND = 'A shell command is run from a value this change does not show is constant; make sure nothing untrusted reaches it.';

/** Names bound to child_process exec: `promisify(exec)`, `{ exec: run }`, `import { execSync as sh }`. */
function execAliases(file: SourceFile): string[] {
  const out = new Set<string>();
  for (const text of file.lines.values()) {
    if (!text.includes('exec') && !text.includes('child_process')) continue;
    const p = /(?:const|let|var)\s+([\w$]+)\s*=\s*(?:util\.)?promisify\(\s*(?:[\w$]+\.)?exec(?:Sync)?\s*\)/.exec(text);
    if (p) out.add(p[1] as string);
    if (!/child_process/.test(text)) continue;
    for (const m of text.matchAll(/\bexec(?:Sync)?\s*(?::|\bas\b)\s*([\w$]+)/g)) out.add(m[1] as string);
    // The module itself under another name: `const cproc = require('child_process')`, `import * as nodeCp from 'node:child_process'`.
    const mod =
      /(?:(?:const|let|var)\s+([\w$]+)\s*=\s*require\(|import\s+(?:\*\s+as\s+)?([\w$]+)\s+from)\s*['"](?:node:)?child_process['"]/.exec(
        text,
      );
    const name = mod?.[1] ?? mod?.[2];
    if (name) out.add(`${name}\\.exec(?:Sync)?`);
  }
  return [...out].filter((n) => !/^exec/.test(n)).map((n) => n.replace(/\$/g, '\\$'));
}

/** A method definition (`eval(x) {`, `eval(x: string): T`), not a call. */
const isDefinition = (c: CallSite) =>
  /^\s*[{:]/.test(c.match.input.slice(c.close + 1, c.close + 40)) ||
  /\bfunction\s*$/.test(c.match.input.slice(Math.max(0, c.match.index - 12), c.match.index));

const RULES: readonly Rule[] = [
  {
    ...meta({
      id: 'js.eval',
      severity: 'high',
      title: 'eval of a non-literal',
      message: 'eval() runs a string built at run time as code: anyone who controls part of it runs code here.',
      fix: 'Do not evaluate strings: parse data with JSON.parse, look functions up in a map, or use a real expression parser.',
      cwe: ['CWE-95'],
      example: 'const result = eval(req.query.expr);',
    }),
    *check(file: SourceFile) {
      for (const c of callSites(file, /(?<![\w$.#])(?:(?:window|globalThis|global|self)\.)?eval\s*\(/g, 'js', ['eval'])) {
        if (isDefinition(c) || c.args.length === 0) continue;
        const r = classifyArg(file, c.args[0] as string, c.line, 'js');
        if (r.taint !== 'literal') yield hit(c, requestSeverity(r));
      }
    },
  },
  {
    ...meta({
      id: 'js.new-function',
      severity: 'high',
      title: 'Function constructor with a non-literal body',
      message: 'new Function(...) compiles a string built at run time into code, like eval.',
      fix: 'Build behaviour from data (a lookup table of functions), not from source text.',
      cwe: ['CWE-95'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
      example: 'const fn = new Function("row", `return ${userFormula}`);',
    }),
    *check(file: SourceFile) {
      for (const c of callSites(file, /(?<![\w$.#])(?:new\s+)?Function\s*\(/g, 'js', ['Function'])) {
        if (c.args.length === 0 || isDefinition(c)) continue;
        const rs = c.args.map((a) => classifyArg(file, a, c.line, 'js'));
        if (rs.some((r) => r.taint !== 'literal')) yield hit(c, rs.some((r) => r.fromRequest) ? 'critical' : undefined);
      }
    },
  },
  {
    ...meta({
      id: 'js.string-timer',
      severity: 'high',
      title: 'setTimeout/setInterval with a built string',
      message: 'A string passed to setTimeout/setInterval is evaluated as code, and this one is built from a value.',
      fix: 'Pass a function: setTimeout(() => handler(value), ms).',
      cwe: ['CWE-95'],
      example: 'setTimeout("refresh(" + widgetId + ")", 1000);',
    }),
    *check(file: SourceFile) {
      for (const c of callSites(file, /(?<![\w$.#])(?:(?:window|globalThis|global|self)\.)?set(?:Timeout|Interval)\s*\(/g, 'js', [
        'setTimeout',
        'setInterval',
      ])) {
        const a = (c.args[0] ?? '').trim();
        if (!/^['"`]|^[\w$]+$/.test(a)) continue; // a function or an arrow: fine
        const r = classifyArg(file, a, c.line, 'js');
        if (r.taint === 'dynamic' && r.strings.length > 0) yield hit(c);
      }
    },
  },
  {
    ...meta({
      id: 'js.vm-code',
      severity: 'high',
      title: 'vm runs non-literal code',
      message: 'node:vm is not a security boundary: code compiled from a run-time string can escape the context and run in this process.',
      fix: 'Do not run untrusted code in-process; use an isolated worker/process with no privileges, or a purpose-built interpreter.',
      cwe: ['CWE-94'],
      example: 'vm.runInNewContext(req.body.code, sandbox);',
    }),
    *check(file: SourceFile) {
      let importsVm: boolean | undefined;
      const re = /(?<![\w$.#])(?:vm\.)?(?:runIn(?:New|This)?Context|compileFunction)\s*\(|(?<![\w$.#])new\s+(?:vm\.)?Script\s*\(/g;
      for (const c of callSites(file, re, 'js', ['runIn', 'compileFunction', 'Script'])) {
        if (isDefinition(c)) continue;
        importsVm ??= [...file.lines.values()].some((l) => /['"](?:node:)?vm['"]/.test(l));
        if (!/vm\./.test(c.match[0]) && !importsVm) continue;
        const r = c.args.length ? classifyArg(file, c.args[0] as string, c.line, 'js') : null;
        if (r && r.taint !== 'literal') yield hit(c, requestSeverity(r));
      }
    },
  },
  {
    ...meta({
      id: 'js.command-injection',
      severity: 'high',
      title: 'Shell command built from a value',
      message: 'This command line is built from a value and run by a shell: quotes, `;` or `$(…)` in the value run other commands.',
      fix: 'Use execFile/spawn with the program and an argument array (no shell: true), or quote each value with a shell-quoting library.',
      cwe: ['CWE-78'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
      example: 'exec(`git clone ${req.body.repo} /tmp/checkout`);',
    }),
    *check(file: SourceFile) {
      const shellCall =
        /(?:(?<![\w$.#])(?:child_?process|childProcess|cp|proc|shell|shelljs|sh)\.|\brequire\(\s*['"](?:node:)?child_process['"]\s*\)\.|(?<![\w$.#]))(?:exec(?:Sync|Async|Promise|P)?|execaCommand(?:Sync)?)\s*\(|(?<![\w$.#])execa\.command(?:Sync)?\s*\(/g;
      const shellSink = (c: CallSite): Match | null => {
        const a = c.args[0];
        if (a === undefined || isDefinition(c) || QUOTED.test(a)) return null;
        const r = classifyArg(file, a, c.line, 'js');
        if (r.taint === 'dynamic') return hit(c, requestSeverity(r));
        if (r.taint === 'unknown' && /^[\w$.[\]'"]+$/.test(a)) return hit(c, 'medium', UNSEEN_COMMAND);
        return null;
      };
      const aliases = execAliases(file);
      const sinks = aliases.length ? [shellCall, new RegExp(`(?<![\\w$.])(?:${aliases.join('|')})\\s*\\(`, 'g')] : [shellCall];
      for (const re of sinks)
        for (const c of callSites(file, re, 'js', ['exec', ...aliases])) {
          const m = shellSink(c);
          if (m) yield m;
        }
      const spawnCall =
        /(?<![\w$])(?:(?:child_?process|childProcess|cp)\.)?(?:spawn|spawnSync|execFile|execFileSync|execa|execaSync)\s*\(/g;
      for (const c of callSites(file, spawnCall, 'js', ['spawn', 'execFile', 'execa'])) {
        const [prog = '', argv = ''] = c.args;
        const opts = c.args.slice(1).join(',');
        const viaShell = /\bshell\s*:\s*(?:true|['"`])/.test(opts);
        const shellDashC =
          /^['"`](?:\/(?:usr\/)?bin\/)?(?:ba|z|da)?sh['"`]$|^['"`]cmd(?:\.exe)?['"`]$/.test(prog) && /['"](?:-c|\/c)['"]/.test(argv);
        const progTaint = viaShell && !QUOTED.test(opts) ? classifyArg(file, prog, c.line, 'js').taint : 'literal';
        if (progTaint === 'dynamic') yield hit(c);
        else if (progTaint === 'unknown' && /^[\w$.]+$/.test(prog)) yield hit(c, 'medium', UNSEEN_COMMAND);
        else if ((viaShell || shellDashC) && /\$\{|['"`]\s*\+\s*[\w$]|[\w$)]\s*\+\s*['"`]/.test(argv) && !QUOTED.test(argv)) yield hit(c);
      }
    },
  },
  {
    ...meta({
      id: 'js.sql-injection',
      severity: 'high',
      title: 'SQL built from values',
      message: 'This SQL text is built by interpolating or concatenating values; a quote in a value changes the query.',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
      fix: 'Use placeholders and pass values separately (`?`/`$1` with a params array, prepare(...).bind(...), or a safe tagged template like sql`…${x}` / Prisma $queryRaw`…`).',
      cwe: ['CWE-89'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
      example: "await db.query(`SELECT * FROM users WHERE email = '${req.body.email}'`);",
    }),
    *check(file: SourceFile) {
      // Whole statements (pg, mysql, sqlite, D1, pg-promise, Sequelize, Prisma, knex.raw, postgres.js unsafe)…
      const re =
        /\.(?:query|execute|raw|\$queryRawUnsafe|\$executeRawUnsafe|prepare|run|all|get|exec|each|unsafe|one|none|many|any|oneOrNone|manyOrNone|result|multi)\s*\(|(?<![\w$.#])(?:query|execute|\$queryRawUnsafe|\$executeRawUnsafe)\s*\(/g;
      // …and fragments (knex *Raw, Sequelize.literal, TypeORM where/andWhere/orderBy) that carry no keyword of their own.
      const fragment =
        /\.(?:whereRaw|orWhereRaw|havingRaw|orderByRaw|joinRaw|selectRaw|fromRaw|groupByRaw|literal|where|andWhere|orWhere|having)\s*\(/g;
      const sqlish = narrow(file, [...SQL_NEEDLES, 'Raw', 'literal', 'here(', 'having']);
      for (const [sinks, shape] of [
        [re, SQL_TEXT],
        [fragment, SQL_FRAGMENT],
      ] as const)
        for (const c of callSites(sqlish, sinks, 'js')) {
          const a = c.args[0];
          if (a === undefined || isDefinition(c)) continue;
          const r = classifyArg(file, a, c.line, 'js');
          if (r.taint === 'dynamic' && r.strings.some((s) => shape.test(s)) && !structuralOnly(r, c.args.length >= 2)) yield hit(c);
        }
    },
  },
  {
    ...meta({
      id: 'js.nosql-injection',
      severity: 'high',
      title: 'MongoDB $where built from values',
      message: 'A $where clause is JavaScript that MongoDB runs; this one is built from a value, so a quote in the value changes the code.',
      fix: 'Use query operators ({ field: value }, $eq, $in, $expr) instead of $where, and never build $where from input.',
      cwe: ['CWE-943'],
      example: "const reviews = await db.reviews.find({ $where: 'this.product == ' + req.params.id });",
    }),
    *check(file: SourceFile) {
      for (const m of segmentMatches(file, /['"]?\$where['"]?\s*:\s*/g, ['$where'])) {
        const text = m.match.input;
        if (!isCode(file, text, m.match.index, m.line, m.column, 'js')) continue;
        const value = exprAt(text, m.match.index + m.match[0].length, 'js');
        if (classifyArg(file, value, m.line, 'js').taint === 'dynamic') yield { line: m.line, column: m.column };
      }
    },
  },
  {
    ...meta({
      id: 'js.tls-verification-disabled',
      severity: 'high',
      title: 'TLS certificate verification disabled',
      message:
        'Certificate verification is turned off: anyone on the network path can impersonate the server and read or change the traffic.',
      fix: 'Keep verification on; for a private CA pass it with `ca:` (or NODE_EXTRA_CA_CERTS) instead of disabling checks.',
      cwe: ['CWE-295'],
      example: 'const agent = new https.Agent({ rejectUnauthorized: false });',
    }),
    *check(file: SourceFile) {
      if (file.isTest) return; // tests talk to local self-signed servers on purpose
      const re =
        /(?<=(?:^|[\n{,])\s*)['"]?(?:rejectUnauthorized|strictSSL|strictSsl)['"]?\s*(:)\s*false\b|\.(?:rejectUnauthorized|strictSSL|strictSsl)\s*(=)(?!=)\s*false\b|NODE_TLS_REJECT_UNAUTHORIZED['"]?\]?\s*([:=])\s*['"`]?0\b|\bcheckServerIdentity\s*([:=])\s*(?:\(\s*\)\s*=>\s*(?:undefined|null|\{\s*\})|function\s*\(\s*\)\s*\{\s*\})/g;
      for (const m of segmentMatches(file, re, ['rejectUnauthorized', 'strictS', 'NODE_TLS_REJECT_UNAUTHORIZED', 'checkServerIdentity'])) {
        const op = m.match[1] ?? m.match[2] ?? m.match[3] ?? m.match[4] ?? '';
        const pos = m.match.index + m.match[0].indexOf(op);
        if (isCode(file, m.match.input, pos, m.line, m.column + (pos - m.match.index), 'js')) yield { line: m.line, column: m.column };
      }
    },
  },
  {
    ...meta({
      id: 'js.insecure-deserialization',
      severity: 'high',
      title: 'Deserialization that can run code',
      message:
        'node-serialize style unserialize() revives functions (`_$$ND_FUNC$$_`) and runs them: untrusted input here is remote code execution.',
      fix: 'Use JSON.parse (with schema validation) for untrusted data; never revive functions from input.',
      cwe: ['CWE-502'],
      example: 'const profile = serialize.unserialize(req.cookies.profile);',
    }),
    *check(file: SourceFile) {
      const re =
        /\b(?:serialize|serializer|nodeSerialize|node_serialize|serialization|ns)\.unserialize\s*\(|(?<![\w$.#])unserialize\s*\(|\bfuncster\.deepDeserialize\s*\(|\bCryo\.parse\s*\(/g;
      for (const c of callSites(file, re, 'js', ['unserialize', 'deepDeserialize', 'Cryo'])) {
        if (isDefinition(c) || c.args.length === 0) continue;
        const r = classifyArg(file, c.args[0] as string, c.line, 'js');
        if (r.taint !== 'literal') yield hit(c, requestSeverity(r));
      }
    },
  },
];

/** The rules, except on TypeScript declaration files (`.d.ts`), which hold no code that runs. */
export const JS_RULES: readonly Rule[] = [...RULES, ...JS_WEB_RULES].map((r) => ({
  ...r,
  check: (f: SourceFile) => (/\.d\.[cm]?ts$/.test(f.path) ? [] : r.check(f)),
}));
