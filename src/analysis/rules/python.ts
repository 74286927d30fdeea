/**
 * Dangerous code in Python: eval/exec of run-time strings, shell commands built from
 * values (os.system, os.popen, subprocess with shell=True), SQL built with f-strings, `%`,
 * `.format` or `+`, TLS verification turned off, deserialization that runs code (pickle, yaml.load
 * without a safe loader, marshal, jsonpickle, torch.load), Flask's debugger and tempfile.mktemp.
 * Literals, parameterised queries (`execute("… %s", (x,))`) and safe loaders are not findings.
 */
import type { Language, Match, Rule, Severity, SourceFile } from '../types';
import { type CallSite, callArgs, callSites, exprAt, isCode, keywordArg, SQL_NEEDLES, segmentMatches } from './call-args';
import { classify, classifyArg, requestSeverity, structuralOnly } from './taint';

const PY: readonly Language[] = ['python'];

const SQL_TEXT =
  /\b(?:select\b[\s\S]{0,400}?\bfrom|insert\s+(?:or\s+\w+\s+)?into|update\s+[`"'\w.{}]+\s+set|delete\s+from|create\s+(?:table|index|view)|drop\s+(?:table|index|view)|alter\s+table|truncate\s+table)\b|\bwhere\s+[\w."`]+\s*(?:=|<|>|\blike\b|\bin\b)/i;
const QUOTED = /\b(?:shlex\.quote|shlex\.join|pipes\.quote|quote)\s*\(/;

const meta = (r: Omit<Rule, 'class' | 'languages' | 'check'>) => ({ ...r, class: 'dangerous-code' as const, languages: PY });
const hit = (c: CallSite, severity?: Severity, message?: string): Match => ({
  line: c.line,
  endLine: c.endLine,
  column: c.column,
  ...(severity ? { severity } : {}),
  ...(message ? { message } : {}),
});
const isDef = (c: CallSite) => /\bdef\s+$/.test(c.match.input.slice(Math.max(0, c.match.index - 8), c.match.index));
const truthy = (v: string | undefined) => v !== undefined && !/^(False|None|0|''|"")$/.test(v);
/** Lines of the file the diff shows, for import checks. */
const mentions = (file: SourceFile, re: RegExp) => [...file.lines.values()].some((l) => re.test(l));

export const PYTHON_RULES: readonly Rule[] = [
  {
    ...meta({
      id: 'py.eval-exec',
      severity: 'high',
      title: 'eval/exec of a non-literal',
      message: 'eval()/exec() runs a string built at run time as Python: anyone who controls part of it runs code here.',
      fix: 'Parse data instead: ast.literal_eval for Python literals, json.loads for JSON, a dispatch dict for names.',
      cwe: ['CWE-95'],
      example: 'result = eval(request.args.get("expr"))',
    }),
    *check(file: SourceFile) {
      // compile() alone runs nothing: the exec/eval of its result is the finding.
      for (const c of callSites(file, /(?<![\w.])(?:eval|exec)\s*\(/g, 'py', ['eval', 'exec'])) {
        const a = c.args[0];
        if (a === undefined || isDef(c) || /^\*/.test(a)) continue;
        const r = classifyArg(file, a, c.line, 'py');
        if (r.taint !== 'literal') yield hit(c, requestSeverity(r));
      }
    },
  },
  {
    ...meta({
      id: 'py.command-injection',
      severity: 'high',
      title: 'Shell command built from a value',
      message: 'This command line is built from a value and run by a shell: quotes, `;` or `$(…)` in the value run other commands.',
      fix: 'Call subprocess.run with an argument list and no shell=True (or quote each value with shlex.quote).',
      cwe: ['CWE-78'],
      example: 'os.system(f"convert {upload.filename} out.png")',
    }),
    *check(file: SourceFile) {
      const alwaysShell =
        /\bos\.(?:system|popen[23]?)\s*\(|\b(?:subprocess|sp|commands)\.(?:getoutput|getstatusoutput)\s*\(|\bcreate_subprocess_shell\s*\(/g;
      let alias: string | undefined;
      for (const l of file.lines.values())
        if (l.includes('import subprocess as')) alias = /^\s*import\s+subprocess\s+as\s+(\w+)/.exec(l)?.[1];
      const maybeShell = new RegExp(
        `(?:\\b(?:subprocess|sp${alias ? `|${alias}` : ''})\\.|(?<![\\w.]))(?:call|run|Popen|check_output|check_call)\\s*\\(`,
        'g',
      );
      const check = (c: CallSite): Match | null => {
        const a = c.args[0];
        if (a === undefined || QUOTED.test(a) || isDef(c)) return null;
        if (/^\[/.test(a)) {
          // An argument list runs no shell, unless it is `["sh", "-c", <built string>]`.
          const [prog = '', flag = '', script = ''] = callArgs(`(${a.slice(1)}`.replace(/\]$/, ')'), 0, 'py')?.args ?? [];
          const shellC = /^['"](?:\/(?:usr\/)?bin\/)?(?:ba|z|da)?sh['"]$/.test(prog) && /^['"]-c['"]$/.test(flag);
          return shellC && !QUOTED.test(script) && classifyArg(file, script, c.line, 'py').taint === 'dynamic' ? hit(c) : null;
        }
        const r = classifyArg(file, a, c.line, 'py');
        if (r.taint === 'dynamic') return hit(c, requestSeverity(r));
        if (r.taint === 'unknown' && /^[\w.[\]'"]+$/.test(a))
          return hit(
            c,
            'medium',
            'A shell command is run from a value this change does not show is constant; make sure nothing untrusted reaches it.',
          );
        return null;
      };
      for (const c of callSites(file, alwaysShell, 'py', [
        'os.system',
        'os.popen',
        'getoutput',
        'getstatusoutput',
        'create_subprocess_shell',
      ])) {
        const m = check(c);
        if (m) yield m;
      }
      for (const c of callSites(file, maybeShell, 'py', ['shell', '-c'])) {
        if (!truthy(keywordArg(c.args, 'shell')) && !/^\[/.test(c.args[0] ?? '')) continue;
        const m = check(c);
        if (m) yield m;
      }
    },
  },
  {
    ...meta({
      id: 'py.sql-injection',
      severity: 'high',
      title: 'SQL built from values',
      message: 'This SQL text is built with an f-string, `%`, .format() or `+`; a quote in a value changes the query.',
      fix: 'Pass values as parameters: cursor.execute("… WHERE id = %s", (user_id,)), text("… :id") with {"id": …}, or the ORM.',
      cwe: ['CWE-89'],
      example: 'cursor.execute(f"SELECT * FROM users WHERE name = \'{name}\'")',
    }),
    *check(file: SourceFile) {
      const re =
        /\.(?:execute|executemany|executescript|exec_driver_sql|raw|mogrify|read_sql|read_sql_query|fetch|fetchrow|fetchval|fetch_all|fetch_one|fetch_val)\s*\(|(?<![\w.])(?:text|RawSQL|read_sql|read_sql_query)\s*\(|\bsqlalchemy\.text\s*\(/g;
      for (const c of callSites(file, re, 'py', [...SQL_NEEDLES, 'execute', 'mogrify'])) {
        const a = c.args[0]?.replace(/^(?:query|sql|statement)\s*=(?!=)\s*/, '');
        if (a === undefined || isDef(c) || /\bSQL\s*\(|\bsql\.(?:Identifier|Literal|Placeholder)\b/.test(a)) continue; // psycopg's sql module composes safely
        const r = classifyArg(file, a, c.line, 'py');
        const params =
          c.args.length >= 2 && /execute|executemany|raw|mogrify/.test(c.match[0]) ? true : keywordArg(c.args, 'params') !== undefined;
        if (r.taint === 'dynamic' && (r.sqlByName || r.strings.some((s) => SQL_TEXT.test(s))) && !structuralOnly(r, params)) yield hit(c);
      }
      for (const c of callSites(file, /\.extra\s*\(/g, 'py', ['extra'])) {
        const built = c.args.some((a) => {
          const r = classify(a.replace(/^\w+\s*=\s*/, ''), 'py');
          return r.taint === 'dynamic' || r.pieces.length > 0;
        });
        if (built) yield hit(c);
      }
    },
  },
  {
    ...meta({
      id: 'py.nosql-injection',
      severity: 'high',
      title: 'MongoDB $where built from values',
      message: 'A $where clause is JavaScript that MongoDB runs; this one is built from a value, so a quote in the value changes the code.',
      fix: 'Use query operators ({"field": value}, $eq, $in, $expr) instead of $where, and never build $where from input.',
      cwe: ['CWE-943'],
      example: 'users = db.users.find({"$where": f"this.name == \'{name}\'"})',
    }),
    *check(file: SourceFile) {
      for (const m of segmentMatches(file, /['"]\$where['"]\s*:\s*/g, ['$where'])) {
        const text = m.match.input;
        if (!isCode(file, text, m.match.index, m.line, m.column, 'py')) continue;
        const value = exprAt(text, m.match.index + m.match[0].length, 'py');
        if (classifyArg(file, value, m.line, 'py').taint === 'dynamic') yield { line: m.line, column: m.column };
      }
    },
  },
  {
    ...meta({
      id: 'py.tls-verification-disabled',
      severity: 'high',
      title: 'TLS certificate verification disabled',
      message:
        'Certificate verification is turned off: anyone on the network path can impersonate the server and read or change the traffic.',
      fix: 'Keep verify=True (the default); for a private CA pass verify="/path/to/ca.pem" or load it into an ssl context.',
      cwe: ['CWE-295'],
      example: 'resp = requests.get(url, verify=False)',
    }),
    *check(file: SourceFile) {
      if (file.isTest) return; // tests talk to local self-signed servers on purpose
      const HTTP_CALLEE =
        /(?:^|\.)(?:get|post|put|patch|delete|head|options|request|send|stream|urlopen|Client|AsyncClient|Session|HTTPTransport|AsyncHTTPTransport|client|resource|Elasticsearch|AsyncElasticsearch|OpenSearch|Minio|TCPConnector|ClientSession)$|\b(?:requests|httpx|session|client|http)\b/i;
      const re =
        /\b(verify|verify_certs|verify_ssl|ssl_verify|ssl)\s*=\s*False\b|\b(?:\w*session|sess|s|client|http\w*)\.verify\s*=\s*False\b|\bssl\._create_unverified_context\b|\bcheck_hostname\s*=\s*False\b|\b(?:verify_mode|cert_reqs)\s*=\s*(?:ssl\.)?['"]?CERT_NONE\b/g;
      for (const m of segmentMatches(file, re, ['verify', 'ssl', 'check_hostname', 'CERT_NONE'])) {
        const text = m.match.input;
        if (!isCode(file, text, m.match.index, m.line, m.column, 'py')) continue;
        const rest = text.slice(m.match.index + m.match[0].length, text.indexOf('\n', m.match.index) >>> 0);
        if (/^\s+if\s.+\selse\s/.test(rest)) continue; // `CERT_NONE if insecure else CERT_REQUIRED`: a setting, not a default
        const callee = enclosingCallee(text, m.match.index);
        if (callee !== null && /\bdef\s/.test(callee)) continue; // a parameter's default, not a call
        if (m.match[1]) {
          if (callee === null || /jwt|decode|token|signature/i.test(callee) || !HTTP_CALLEE.test(callee)) continue;
        }
        yield { line: m.line, column: m.column };
      }
    },
  },
  {
    ...meta({
      id: 'py.insecure-deserialization',
      severity: 'high',
      title: 'Deserialization that can run code',
      message: 'This loader can build arbitrary objects and run code while loading: untrusted input here is remote code execution.',
      fix: 'Use json, yaml.safe_load (or Loader=yaml.SafeLoader), torch.load(..., weights_only=True); never unpickle data you did not write.',
      cwe: ['CWE-502'],
      example: 'data = pickle.loads(request.data)',
    }),
    *check(file: SourceFile) {
      const re =
        /\b(?:pickle|cPickle|_pickle|dill|cloudpickle)\.(?:loads?|Unpickler)\s*\(|\bmarshal\.loads?\s*\(|\bjsonpickle\.(?:decode|loads)\s*\(|\byaml\.(?:load|load_all|unsafe_load|unsafe_load_all)\s*\(|\btorch\.load\s*\(|\b(?:pd|pandas)\.read_pickle\s*\(|\b(?:np|numpy)\.load\s*\(/g;
      let ruamel: boolean | undefined;
      const fromRequest = (c: CallSite) =>
        c.args[0] === undefined ? undefined : requestSeverity(classifyArg(file, c.args[0], c.line, 'py'));
      for (const c of callSites(file, re, 'py', ['pickle', 'Pickle', 'dill', 'marshal', 'yaml', 'torch.load', 'np.load', 'numpy.load'])) {
        const call = c.match[0];
        if (call.startsWith('yaml.load')) {
          const loader = keywordArg(c.args, 'Loader') ?? c.args[1] ?? '';
          ruamel ??= mentions(file, /\bruamel\b|\bYAML\s*\(/);
          if (ruamel || /Safe|Base/.test(loader) || (/^Loader$/.test(loader) && mentions(file, /Safe\w*Loader\s+as\s+Loader/))) continue;
          if (/FullLoader/.test(loader)) yield hit(c, 'medium');
          else yield hit(c, fromRequest(c));
        } else if (call.startsWith('torch.load')) {
          if (keywordArg(c.args, 'weights_only') !== 'True')
            yield hit(c, 'medium', 'torch.load unpickles the file: a checkpoint from anyone else can run code. Pass weights_only=True.');
        } else if (/read_pickle/.test(call)) yield hit(c, 'medium');
        else if (/^(?:np|numpy)\./.test(call)) {
          if (truthy(keywordArg(c.args, 'allow_pickle'))) yield hit(c, 'medium');
        } else yield hit(c, fromRequest(c));
      }
    },
  },
  {
    ...meta({
      id: 'py.template-injection',
      severity: 'high',
      title: 'Template compiled from a built or request-supplied string',
      message: 'A Jinja template is built from a value or taken from the request: template syntax in it runs code on the server (SSTI).',
      fix: 'Render templates that ship with the code (render_template) and pass user input as variables, never as template text.',
      cwe: ['CWE-1336', 'CWE-94'],
      example: 'return render_template_string(f"<h1>Hello {request.args.get(\'name\')}</h1>")',
    }),
    *check(file: SourceFile) {
      const re = /(?<![\w.])(?:flask\.)?render_template_string\s*\(|\bjinja2\.Template\s*\(|\.from_string\s*\(|(?<![\w.])Template\s*\(/g;
      const jinja = () => mentions(file, /\bfrom\s+jinja2\s+import\b[^#\n]*\bTemplate\b/);
      for (const c of callSites(file, re, 'py', ['render_template_string', 'Template', 'from_string'])) {
        const a = c.args[0]?.replace(/^source\s*=\s*/, '');
        if (a === undefined || isDef(c)) continue;
        if (/^Template/.test(c.match[0]) && !jinja()) continue; // string.Template
        const r = classifyArg(file, a, c.line, 'py');
        if (r.taint === 'dynamic') yield hit(c, requestSeverity(r));
      }
    },
  },
  {
    ...meta({
      id: 'py.flask-debug',
      severity: 'medium',
      title: 'Flask debugger enabled',
      message: 'app.run(debug=True) serves the Werkzeug debugger, which runs any Python a visitor types if it is reachable.',
      fix: 'Take debug from configuration (FLASK_DEBUG) and never enable it where the server is reachable.',
      cwe: ['CWE-489'],
      example: 'app.run(host="0.0.0.0", debug=True)',
    }),
    *check(file: SourceFile) {
      for (const c of callSites(file, /\b(?:app|application|server|api|flask_app|socketio)\.run\s*\(/g, 'py', ['debug']))
        if (keywordArg(c.args, 'debug') === 'True') yield hit(c);
    },
  },
  {
    ...meta({
      id: 'py.tempfile-mktemp',
      severity: 'medium',
      title: 'tempfile.mktemp',
      message: 'tempfile.mktemp() only returns a name: another process can create the file first (a race an attacker can use).',
      fix: 'Use tempfile.NamedTemporaryFile, mkstemp or mkdtemp, which create the file atomically.',
      cwe: ['CWE-377'],
      example: 'path = tempfile.mktemp(suffix=".csv")',
    }),
    *check(file: SourceFile) {
      const imported = () => mentions(file, /from\s+tempfile\s+import\s+[^#\n]*\bmktemp\b/);
      for (const c of callSites(file, /\btempfile\.mktemp\s*\(|(?<![\w.])mktemp\s*\(/g, 'py', ['mktemp']))
        if (!isDef(c) && (c.match[0].startsWith('tempfile') || imported())) yield hit(c);
    },
  },
];

/** The callee (`requests.get`) of the innermost call still open at `pos`, looking back at most 1,500 characters. */
function enclosingCallee(text: string, pos: number): string | null {
  let depth = 0;
  for (let i = pos - 1; i >= Math.max(0, pos - 1500); i--) {
    const c = text[i];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth === 0) {
        if (c !== '(') return null;
        const m = /(?:\bdef\s+)?[\w.]*$/.exec(text.slice(Math.max(0, i - 120), i));
        return m ? m[0] : null;
      }
      depth--;
    }
  }
  return null;
}
