/**
 * Dangerous code in Java (after FindSecBugs and Semgrep's java rules): SQL and commands built by
 * concatenation or String.format, script engines, SpEL and reflection fed with data; the TLS and
 * deserialization rules live in java-trust.ts. A variable is followed back through the lines the
 * diff shows (java-syntax.ts); constants (UPPER_CASE) and numbers (`int id`) count as safe.
 */
import type { Rule, SourceFile } from '../types';
import { calls, definitions, IDENT, javaTaint, paramLine, REQUEST, rule } from './java-syntax';
import { JAVA_TRUST_RULES } from './java-trust';
import { callArgs, mentions, splitArgs } from './util';

const SQL_WORDS =
  /\b(?:select|insert|update|delete|from|where|values|join|order\s+by|group\s+by|limit|drop|create|alter|truncate|union|having|set)\b/i;
const SQL_ONLY =
  /^(?:executeQuery|executeUpdate|executeLargeUpdate|addBatch|prepareStatement|prepareCall|createQuery|createNativeQuery|createSQLQuery|queryFor\w+)$/;

/** The literal SQL text an expression carries (through one assignment). */
function sqlText(file: SourceFile, line: number, expr: string): string {
  const name = expr.trim().replace(/\.toString\(\)$/, '');
  if (!IDENT.test(name)) return expr;
  const appends = [...around(file, line, name)].join(' ');
  return `${definitions(file, line, name)
    .map((d) => d.rhs)
    .join(' ')} ${appends}`;
}

function* around(file: SourceFile, line: number, name: string): Generator<string> {
  for (let l = line - 1; l >= line - 40 && l > 0; l--)
    if (file.lines.get(l)?.includes(`${name}.append(`)) yield file.lines.get(l) as string;
}

const sqlRule = rule({
  id: 'java.sql-injection',
  severity: 'high',
  title: 'SQL built by concatenation or String.format',
  message: 'This SQL/JPQL text is built from a variable, so the value can change the query (SQL injection).',
  fix: 'Use a PreparedStatement with `?` and setString/setLong, or JPA named parameters (`:name` with setParameter).',
  cwe: ['CWE-89'],
  example: 'ResultSet rs = stmt.executeQuery("SELECT * FROM users WHERE name = \'" + name + "\'");',
  *check(file) {
    if (!mentions(file, '.execute', '.addBatch(', '.prepare', '.create', '.query', '.update(', '.batchUpdate(', '${')) return;
    const re =
      /\.(executeQuery|executeUpdate|executeLargeUpdate|execute|addBatch|prepareStatement|prepareCall|createQuery|createNativeQuery|createSQLQuery|query|queryFor\w+|update|batchUpdate)\(/g;
    for (const c of calls(file, re)) {
      const method = c.m[1] as string;
      const sql = c.args[0];
      if (sql === undefined || javaTaint(file, c.at.line, sql) !== 'dynamic') continue;
      if (!SQL_ONLY.test(method) && !SQL_WORDS.test(sqlText(file, c.at.line, sql))) continue;
      yield c.at;
    }
    // MyBatis annotations: ${…} is pasted into the SQL text, #{…} is bound.
    if (!mentions(file, '${')) return;
    for (const c of calls(file, /@(?:Select|Update|Delete|Insert)\s*\(/g)) if (/"[^"\n]*\$\{/.test(c.args.join(','))) yield c.at;
  },
});

const SHELL = /^"(?:\/usr)?(?:\/bin\/)?(?:sh|bash|zsh|cmd|cmd\.exe|powershell)"$/;
const SHELL_FLAG = /^"(?:-[a-z]*c|\/[cCkK]|-Command)"$/;

const ARRAY = /^(?:new\s+String\s*\[\s*\]\s*\{|Arrays\.asList\(|List\.of\()/;

const commandRule = rule({
  id: 'java.command-injection',
  severity: 'high',
  title: 'OS command built from a variable',
  message:
    'A command line is built from a variable (concatenation, String.format or `sh -c`), so the value can run other commands or options.',
  fix: 'Use ProcessBuilder with the program and each argument as separate fixed elements; never `sh -c` with data; validate values against a list.',
  cwe: ['CWE-78'],
  example: 'Process p = Runtime.getRuntime().exec("ping -c 1 " + host);',
  *check(file) {
    if (!mentions(file, '.exec(', 'ProcessBuilder', '.command(')) return;
    for (const c of calls(file, /(?:Runtime\.getRuntime\(\)|\b(?:rt|runtime|r))\.exec\(|\bnew\s+ProcessBuilder\(|\.command\(/g)) {
      let args = c.args;
      let array = ARRAY.exec(args[0] ?? '');
      if (array) args = splitArgs(callArgs(args[0] as string, array[0].length - 1));
      else if (args.length === 1 && IDENT.test((args[0] as string).trim())) {
        // String[] cmd = {"/bin/sh", "-c", "ls " + dir}; … exec(cmd)
        const rhs = definitions(file, c.at.line, (args[0] as string).trim())[0]?.rhs.trim() ?? '';
        array = /^\{/.exec(rhs) ?? ARRAY.exec(rhs);
        if (array) args = splitArgs(callArgs(rhs, array[0].length - 1));
      }
      if (c.m[0].includes('.command(') && !/ProcessBuilder|\bpb\b|builder/i.test(c.m.input.slice(Math.max(0, c.m.index - 120), c.m.index)))
        continue;
      if (args.length >= 3 && SHELL.test(args[0] as string) && SHELL_FLAG.test(args[1] as string)) {
        const t = javaTaint(file, c.at.line, args.slice(2).join(' + '));
        if (t !== 'literal') yield t === 'dynamic' ? c.at : { ...c.at, severity: 'medium' };
      } else if (c.m[0].includes('exec(') && !array && args.length === 1) {
        const t = javaTaint(file, c.at.line, args[0] as string);
        if (t === 'dynamic') yield c.at;
      }
    }
  },
});

const evalRule = rule({
  id: 'java.script-eval',
  severity: 'high',
  title: 'Script or expression evaluated from a variable',
  message:
    'A script engine or expression language (ScriptEngine, Groovy, MVEL, OGNL, JEXL) evaluates text that comes from a variable, which runs arbitrary code.',
  fix: 'Do not evaluate data as code; map inputs to fixed operations, or use a sandboxed, allow-listed evaluator.',
  cwe: ['CWE-94'],
  example: 'Object result = engine.eval(request.getParameter("expr"));',
  *check(file) {
    if (!mentions(file, '.eval', 'Eval.me', 'MVEL.', 'Ognl.', 'jexl.')) return;
    const scripting = mentions(file, 'ScriptEngine', 'javax.script', 'GroovyShell');
    const re =
      /\b(\w*(?:[eE]ngine|nashorn|[sS]hell|groovy))\.(eval|evaluate)\(|\bEval\.me\(|\bMVEL\.(?:eval|compileExpression)\(|\bOgnl\.(?:getValue|parseExpression)\(|\bjexl\.create(?:Expression|Script)\(/g;
    for (const c of calls(file, re)) {
      // engine.eval / shell.evaluate: only a script engine or a GroovyShell (rule engines have `evaluate` too)
      const receiver = c.m[1];
      if (
        receiver !== undefined &&
        !scripting &&
        !(c.m[2] === 'eval' ? /^(?:script|js|nashorn|graal|groovy)?engine$|^nashorn$/i : /^(?:groovy)?shell$/i).test(receiver)
      )
        continue;
      const code = c.m[0].startsWith('Eval.me') && c.args.length > 1 ? c.args[c.args.length - 1] : c.args[0];
      if (code === undefined || /^new\s+(?:File)?Reader\(\s*"|getResourceAsStream\(\s*"/.test(code)) continue;
      const t = javaTaint(file, c.at.line, code);
      if (t === 'dynamic' || (t === 'unknown' && !/^[A-Z]/.test(code))) yield c.at;
    }
  },
});

const spelRule = rule({
  id: 'java.spel-injection',
  severity: 'high',
  title: 'Spring expression parsed from a variable',
  message:
    'SpEL parses an expression that comes from a variable; with a StandardEvaluationContext that runs arbitrary code (T(java.lang.Runtime)…).',
  fix: 'Never parse user input as SpEL; if you must, evaluate with SimpleEvaluationContext.forReadOnlyDataBinding().',
  cwe: ['CWE-917'],
  example: 'Expression exp = parser.parseExpression(request.getParameter("filter"));',
  *check(file) {
    if (!mentions(file, '.parseExpression(', '.parseRaw(')) return;
    for (const c of calls(file, /\.parse(?:Expression|Raw)\(/g)) {
      const receiver = /(\w+|new\s+SpelExpressionParser\(\))\s*$/.exec(c.m.input.slice(Math.max(0, c.m.index - 60), c.m.index))?.[1] ?? '';
      const expr = c.args[0];
      if (expr === undefined || javaTaint(file, c.at.line, expr) === 'literal') continue;
      const all = [...file.lines.values()].join('\n');
      if (/SimpleEvaluationContext/.test(all)) continue;
      if (/[pP]arser$|PARSER$|^new/.test(receiver) || /\bExpressionParser\b|springframework\.expression/.test(all)) yield c.at;
    }
  },
});

const reflectionRule = rule({
  id: 'java.class-forname-untrusted',
  severity: 'medium',
  title: 'Class loaded by a name from the request',
  message: 'Class.forName/loadClass receives a name taken from request data, so a caller chooses which class is loaded and initialised.',
  fix: 'Map the request value to a class from a fixed allow-list instead of loading it by name.',
  cwe: ['CWE-470'],
  example: 'Class<?> handler = Class.forName(request.getParameter("handler"));',
  *check(file) {
    if (!mentions(file, 'Class.forName(', '.loadClass(')) return;
    for (const c of calls(file, /\bClass\.forName\(|\.loadClass\(/g)) {
      const name = c.args[0] ?? '';
      if (javaTaint(file, c.at.line, name) === 'literal' || /\.class\.getName\(\)|getClass\(\)/.test(name)) continue;
      const source = IDENT.test(name.trim())
        ? definitions(file, c.at.line, name.trim())
            .map((d) => d.rhs)
            .join(' ')
        : name;
      const sig = IDENT.test(name.trim()) ? paramLine(file, c.at.line, name.trim()) : '';
      if (REQUEST.test(source) || REQUEST.test(sig)) yield c.at;
    }
  },
});

export const JAVA_RULES: readonly Rule[] = [sqlRule, commandRule, evalRule, spelRule, reflectionRule, ...JAVA_TRUST_RULES];
