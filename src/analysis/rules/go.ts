/**
 * Dangerous code in Go (after gosec G201/G202, G204, G402, G106): SQL built with fmt.Sprintf or
 * `+`, shell commands built from variables, programs chosen by a variable, TLS and SSH host
 * verification turned off, plugins loaded from a variable path. Untrusted means "not a literal":
 * an identifier is followed back through the lines the diff shows (`q := fmt.Sprintf(…)`,
 * `q += " AND " + x`, `const q = "…"`), and numbers (`%d`, `strconv.Itoa`, `id int`) count as safe.
 */
import type { Match, Rule, SourceFile } from '../types';
import { callArgs, capPerLine, inStringAt, isCommentLine, matchSegments, mentions, regexFor, splitArgs } from './util';

type Taint = 'literal' | 'dynamic' | 'unknown';

const STRING_LIT = /^(?:"(?:[^"\\\n]|\\.)*"|`[^`]*`)$/;
const IDENT = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
/** Numbers and quoted identifiers/literals: safe inside SQL text. */
const NUMERIC =
  /^(?:\d+|strconv\.(?:Itoa|FormatInt|FormatUint|FormatFloat|FormatBool|Quote)\(.*\)|len\(.*\)|(?:pq\.|pgx\.)?Quote(?:Identifier|Literal)\(.*\)|pgx\.Identifier\{.*\}\.Sanitize\(\)|.*\.QuoteIdentifier\(.*\))$/s;
/** Arguments of a Sprintf that fill in bind-variable lists (`IN (%s)` with "?, ?, ?"), not data. */
const PLACEHOLDERS = /placeholder|bindvar|qmark|marks\b|strings\.Repeat\(\s*["`][?,\s$]/i;

/** The previous assignments of `name` in the lines the diff shows, nearest first (at most 40 lines up). */
function definitions(file: SourceFile, line: number, name: string): { op: string; rhs: string; konst: boolean }[] {
  const re = regexFor(
    `(?:^|[\\s,(])(const\\s+|var\\s+)?${name.replace(/\./g, '\\.')}(?:\\s*,\\s*\\w+)*(?:\\s+[\\w.\\[\\]*]+)?\\s*(:=|\\+=|=)(?!=)\\s*(.*)$`,
  );
  const out: { op: string; rhs: string; konst: boolean }[] = [];
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const text = file.lines.get(l);
    if (text === undefined || !text.includes(name)) continue;
    const m = re.exec(text);
    if (m) out.push({ op: m[2] as string, rhs: continued(file, l, m[3] as string), konst: m[1]?.startsWith('const') === true });
    if (m && m[2] !== '+=') break; // the assignment that started it
  }
  return out;
}

/** An expression that goes on over the next lines (open brackets, trailing `+`). */
function continued(file: SourceFile, line: number, rhs: string): string {
  let text = rhs;
  for (let l = line + 1; l < line + 12 && (/[+(,]\s*$/.test(text) || open(text) > 0); l++) text += `\n${file.lines.get(l) ?? ''}`;
  return text;
}

const open = (s: string) => (s.match(/\(/g)?.length ?? 0) - (s.match(/\)/g)?.length ?? 0);

/** Whether a name is declared numeric nearby (`id int`, `var n int64`) or is a constant. */
function safeName(file: SourceFile, line: number, name: string): boolean {
  if (/^[A-Z][A-Z0-9_]*$/.test(name) || name === 'true' || name === 'false' || name === 'nil') return true;
  const numeric = regexFor(
    `\\b${name}\\s+u?int(?:8|16|32|64)?\\b|\\b${name}\\s+float(?:32|64)\\b|\\b${name}\\s+bool\\b|const\\s+${name}\\b|\\b${name}\\s*:?=\\s*(?:\\d+|len\\(|strconv\\.Itoa)`,
  );
  for (let l = line; l >= line - 60 && l > 0; l--) {
    const text = file.lines.get(l);
    if (text?.includes(name) && numeric.test(text)) return true;
  }
  return false;
}

/** Where a string expression's value comes from. */
export function goTaint(file: SourceFile, line: number, expr: string, depth = 0): Taint {
  const e = expr.trim().replace(/,$/, '');
  if (e === '' || STRING_LIT.test(e) || NUMERIC.test(e)) return 'literal';
  const format = /^fmt\.Sprintf\(/.exec(e);
  if (format) {
    const [fmt = '', ...rest] = splitArgs(callArgs(e, format[0].length - 1));
    // a format held in a variable: its text from the assignment, when the diff shows it
    const text = STRING_LIT.test(fmt)
      ? fmt
      : IDENT.test(fmt)
        ? definitions(file, line, fmt)
            .map((d) => d.rhs)
            .join(' ')
        : '';
    const verbs = text.match(/%[-+# 0-9.*]*[a-zA-Z]/g) ?? [];
    if (rest.length === 0 || (text !== '' && verbs.every((v) => /[dfegtxXboc]$/.test(v)))) return 'literal';
    return rest.every((a) => PLACEHOLDERS.test(a) || parts(file, line, a, depth) === 'literal') ? 'literal' : 'dynamic';
  }
  if (/^[\w.]+\.String\(\)$/.test(e)) return builder(file, line, e.slice(0, -'.String()'.length));
  const pieces = splitConcat(e);
  if (pieces.length > 1) {
    if (!pieces.some((p) => STRING_LIT.test(p))) return 'unknown';
    return pieces.every((p) => parts(file, line, p, depth) === 'literal') ? 'literal' : 'dynamic';
  }
  if (IDENT.test(e) && depth < 2) {
    if (safeName(file, line, e)) return 'literal';
    const defs = definitions(file, line, e);
    if (defs.length === 0) return 'unknown';
    if (defs.some((d) => d.konst)) return 'literal';
    const taints = defs.map((d) => goTaint(file, line, d.rhs, depth + 1));
    if (taints.includes('dynamic')) return 'dynamic';
    return taints.every((t) => t === 'literal') ? 'literal' : 'unknown';
  }
  return 'unknown';
}

/** One operand of a concatenation or a Sprintf argument: literal, or data. */
function parts(file: SourceFile, line: number, p: string, depth: number): Taint {
  const e = p.trim();
  if (STRING_LIT.test(e) || NUMERIC.test(e)) return 'literal';
  if (IDENT.test(e) && safeName(file, line, e.split('.').pop() as string)) return 'literal';
  if (IDENT.test(e) && depth < 2) {
    const defs = definitions(file, line, e);
    if (defs.length > 0 && defs.every((d) => d.konst || goTaint(file, line, d.rhs, depth + 1) === 'literal')) return 'literal';
  }
  return 'dynamic';
}

/** A strings.Builder / bytes.Buffer: dynamic when something not literal was written into it. */
function builder(file: SourceFile, line: number, name: string): Taint {
  const write = regexFor(`${name.replace(/\./g, '\\.')}\\.Write(?:String)?\\(|fmt\\.Fprintf\\(\\s*&?${name}\\b`);
  let seen = false;
  for (let l = line - 1; l >= line - 40 && l > 0; l--) {
    const text = file.lines.get(l);
    const m = text === undefined ? null : write.exec(text);
    if (!m || text === undefined) continue;
    seen = true;
    const args = splitArgs(callArgs(text, m.index + m[0].length - 1));
    const data = m[0].startsWith('fmt') ? goTaint(file, l, `fmt.Sprintf(${args.slice(1).join(', ')})`) : parts(file, l, args[0] ?? '', 1);
    if (data !== 'literal') return 'dynamic';
  }
  return seen ? 'literal' : 'unknown';
}

/** Splits `a + "b" + c` at its top-level `+`. */
const splitConcat = (e: string) => splitArgs(e, '+');

/** Matches of `re` that start on a code line, with the call's arguments and the line it ends on. */
function* calls(
  file: SourceFile,
  re: RegExp,
): Generator<{ m: RegExpExecArray; args: string; line: number; endLine: number; column: number }> {
  for (const hit of capPerLine(matchSegments(file, re))) {
    const lineText = file.lines.get(hit.line) ?? '';
    if (isCommentLine('go', lineText) || inStringAt(lineText, hit.column - 1)) continue;
    const args = callArgs(hit.match.input, hit.match.index + hit.match[0].length - 1);
    const endLine = hit.line + (hit.match[0] + args).split('\n').length - 1;
    yield { m: hit.match, args, line: hit.line, endLine, column: hit.column };
  }
}

const SQL_WORDS =
  /\b(?:select|insert|update|delete|from|where|values|join|order\s+by|group\s+by|limit|drop|create|alter|truncate|union|having|like|set)\b|=\s*'?%|=\s*'?["`]\s*$/i;
const DB_RECEIVER = /(?:^|[^\w])(?:db|tx|conn|sqlDB|database|pool|stmt|dbx|sqlx|pgx|DB|Db|Tx|Conn|Pool)\s*$/;

const sqlRule: Rule = {
  id: 'go.sql-string-format',
  class: 'dangerous-code',
  severity: 'high',
  title: 'SQL built with fmt.Sprintf or concatenation',
  message: 'This SQL text is built from a variable with fmt.Sprintf or `+`, so the value can change the query (SQL injection).',
  fix: 'Pass values as bind parameters (`db.Query("… WHERE id = $1", id)` or `?`); pick table/column names from a fixed list.',
  cwe: ['CWE-89'],
  example: 'rows, err := db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = \'%s\'", name))',
  languages: ['go'],
  *check(file) {
    if (!mentions(file, 'Query', 'Exec', 'Prepare', 'Get(', 'Select', 'Raw(', 'Where(', 'Or(', 'Not(', 'Having(', 'Joins(', 'Order('))
      return;
    const re =
      /\.(Query|QueryRow|Exec|QueryContext|QueryRowContext|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|MustExec|Get|Select|GetContext|SelectContext|Raw|Where|Or|Not|Having|Joins|Order|Group)\(/g;
    for (const c of calls(file, re)) {
      const method = c.m[1] as string;
      let args = splitArgs(c.args).filter((a) => !/^(?:ctx|c|context\.\w+\(\)|r\.Context\(\)|\w+\.Context\(\)|[\w.]*[cC]tx)$/.test(a));
      if (/\bsqlx\.$/.test(c.m.input.slice(Math.max(0, c.m.index - 5), c.m.index + 1))) args = args.slice(1); // sqlx.Select(db, &dest, q)
      if (/^(?:Get|Select)(?:Context)?$/.test(method) && args.length > 1 && /^&|^[a-z]\w*$/.test(args[0] as string)) args = args.slice(1);
      const query = args[0];
      if (query === undefined || goTaint(file, c.line, query) !== 'dynamic') continue;
      const sqlText = sqlOf(file, c.line, query);
      if (/^\s*["`]\/|:\/\/|^\s*["`][\w-]+:%/.test(sqlText.replace(/^fmt\.Sprintf\(\s*/, ''))) continue; // a URL, route or cache key
      const sqlish = SQL_WORDS.test(sqlText);
      const receiver = c.m.input.slice(Math.max(0, c.m.index - 40), c.m.index);
      // gorm/sqlx clauses take SQL fragments; Get/Select/Group are also HTTP, cache and router methods.
      if (
        !sqlish &&
        !/^(?:Where|Or|Not|Having|Joins|Order|Raw)$/.test(method) &&
        !(/^(?:Query|Exec|Prepare)/.test(method) && DB_RECEIVER.test(receiver))
      )
        continue;
      yield { line: c.line, endLine: c.endLine, column: c.column };
    }
  },
};

/** The literal text of a query expression, through one assignment. */
function sqlOf(file: SourceFile, line: number, expr: string): string {
  if (IDENT.test(expr.trim()))
    return definitions(file, line, expr.trim())
      .map((d) => d.rhs)
      .join(' ');
  return expr;
}

const SHELL = /^["`](?:\/usr)?(?:\/bin\/)?(?:sh|bash|zsh|ash|dash|ksh|cmd|cmd\.exe|powershell|pwsh)["`]$/;
const SHELL_FLAG = /^["`](?:-[a-z]*c[a-z]*|\/[cCkK]|-Command|-c)["`]$/;

const commandRule: Rule = {
  id: 'go.command-injection',
  class: 'dangerous-code',
  severity: 'high',
  title: 'Shell command built from a variable',
  message:
    'A shell runs a command string built from a variable (or the program itself comes from a variable), so the value can run other commands.',
  fix: 'Run the program directly with fixed arguments (`exec.Command("git", "clone", url)`), never `sh -c` with data; validate a program name against a fixed list.',
  cwe: ['CWE-78'],
  example: 'out, err := exec.Command("sh", "-c", "tar xzf "+path).Output()',
  languages: ['go'],
  *check(file) {
    if (!mentions(file, 'exec.Command')) return;
    for (const c of calls(file, /\bexec\.Command(Context)?\(/g)) {
      const args = splitArgs(c.args).slice(c.m[1] ? 1 : 0);
      const [program = '', flag = '', script] = args;
      const at: Match = { line: c.line, endLine: c.endLine, column: c.column };
      if (SHELL.test(program) && SHELL_FLAG.test(flag) && script !== undefined) {
        const taint = goTaint(file, c.line, script);
        if (taint === 'dynamic') yield at;
        else if (taint === 'unknown') yield { ...at, severity: 'medium' };
      } else if (program !== '' && !/^["`]/.test(program) && fromInput(file, c.line, program))
        yield {
          ...at,
          severity: 'medium',
          message: 'The program exec.Command runs comes from request or user input; whoever sends it chooses what runs.',
        };
    }
  },
};

/** Request data, decoded bodies, command-line arguments, or a command line split into words. */
const INPUT =
  /\br\.(?:URL|Form|PostForm|Body|Header)\b|\.(?:FormValue|PostFormValue|Query|Param|DefaultQuery|PostForm)\(|\breq(?:uest)?\.[A-Z]|\bmux\.Vars\(|\bos\.Args\[[1-9]|\bflag\.Args?\(|\bstrings\.(?:Fields|Split)\(|\b(?:input|payload|body|userInput)\b/;

/** Whether a program expression (or, one step back, what it was assigned from) is input. */
function fromInput(file: SourceFile, line: number, program: string): boolean {
  if (INPUT.test(program)) return true;
  const base = /^([A-Za-z_][\w.]*?)(?:\[\d+\])?$/.exec(program.trim())?.[1];
  return base !== undefined && definitions(file, line, base).some((d) => INPUT.test(d.rhs));
}

const tlsRule: Rule = {
  id: 'go.tls-insecure-skip-verify',
  class: 'dangerous-code',
  severity: 'high',
  title: 'TLS certificate verification disabled',
  message: 'InsecureSkipVerify: true accepts any certificate, so anyone on the network path can read and change this traffic.',
  fix: 'Remove InsecureSkipVerify; for a private CA, add its certificate to tls.Config.RootCAs.',
  cwe: ['CWE-295'],
  example: 'client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}',
  languages: ['go'],
  *check(file) {
    if (!mentions(file, 'InsecureSkipVerify')) return;
    if (file.isTest) return; // httptest.NewTLSServer clients
    for (const hit of capPerLine(matchSegments(file, /\bInsecureSkipVerify\s*(?::|=(?!=))\s*true\b/g)))
      if (!isCommentLine('go', file.lines.get(hit.line) ?? '')) yield { line: hit.line, column: hit.column };
  },
};

const sshRule: Rule = {
  id: 'go.ssh-insecure-host-key',
  class: 'dangerous-code',
  severity: 'high',
  title: 'SSH host key not verified',
  message: 'ssh.InsecureIgnoreHostKey() accepts any server key, so a man in the middle can impersonate the server.',
  fix: 'Use knownhosts.New(path) or ssh.FixedHostKey(key) as the HostKeyCallback.',
  cwe: ['CWE-322'],
  example: 'config := &ssh.ClientConfig{User: user, HostKeyCallback: ssh.InsecureIgnoreHostKey()}',
  languages: ['go'],
  *check(file) {
    if (!mentions(file, 'InsecureIgnoreHostKey')) return;
    if (file.isTest) return;
    for (const hit of capPerLine(matchSegments(file, /\bssh\.InsecureIgnoreHostKey\(\)/g)))
      if (!isCommentLine('go', file.lines.get(hit.line) ?? '')) yield { line: hit.line, column: hit.column };
  },
};

const pluginRule: Rule = {
  id: 'go.plugin-open-dynamic',
  class: 'dangerous-code',
  severity: 'medium',
  title: 'Plugin loaded from a variable path',
  message: 'plugin.Open loads and runs native code from a path that comes from a variable.',
  fix: 'Load plugins only from a fixed, write-protected directory and check the name against a list.',
  cwe: ['CWE-94'],
  example: 'p, err := plugin.Open(req.URL.Query().Get("module"))',
  languages: ['go'],
  *check(file) {
    if (!mentions(file, 'plugin.Open')) return;
    for (const c of calls(file, /\bplugin\.Open\(/g)) {
      const [path = ''] = splitArgs(c.args);
      if (goTaint(file, c.line, path) !== 'literal') yield { line: c.line, endLine: c.endLine, column: c.column };
    }
  },
};

export const GO_RULES: readonly Rule[] = [sqlRule, commandRule, tlsRule, sshRule, pluginRule];
