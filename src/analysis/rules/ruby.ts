/**
 * Dangerous code in Ruby and Rails (after Brakeman and Semgrep's ruby rules): eval and reflection
 * fed with data, shell commands with interpolation (backticks, %x, system, exec, Open3, IO.popen),
 * ActiveRecord SQL fragments with interpolation, TLS verification off, and deserializers that build
 * any object (Marshal, YAML.unsafe_load/load, Oj object mode). "Data" is an interpolation or
 * concatenation that is not a constant, a number (`.to_i`), a quoted value (`quote(…)`,
 * `Shellwords.escape`) or a table name; params/request/cookies raise the severity.
 */
import type { Rule, SourceFile } from '../types';
import {
  calls,
  definitions,
  fromParts,
  heredoc,
  IDENT,
  interpolations,
  level,
  OPTIONS,
  REQUEST,
  rubyTaint,
  rule,
  SINGLE,
} from './ruby-syntax';
import { capPerLine, isCommentLine, matchSegments, mentions, splitArgs } from './util';

const commandRule = rule({
  id: 'rb.command-injection',
  severity: 'high',
  title: 'Shell command with interpolated data',
  message:
    'A shell command string interpolates a value (backticks, %x, system, exec, Open3, IO.popen), so the value can run other commands.',
  fix: 'Pass the program and arguments separately (`system("tar", "xzf", path)`, `Open3.capture2("git", "log", ref)`), or escape with Shellwords.escape.',
  cwe: ['CWE-78'],
  example: 'output = `convert #{params[:file]} -resize 50% out.png`',
  *check(file) {
    if (!mentions(file, '`', '%x', 'system', 'exec', 'spawn', 'Open3', 'popen', 'PTY', 'open(')) return;
    for (const hit of capPerLine(matchSegments(file, /`[^`\n]{0,2000}`|%x[({[|][^\n#]{0,1000}#\{/g))) {
      const text = file.lines.get(hit.line) ?? '';
      if (!hit.match[0].includes('#{')) continue;
      const before = text.slice(0, hit.column - 1);
      if (isCommentLine('ruby', text) || (before.match(/["']/g)?.length ?? 0) % 2 === 1 || /#/.test(before.replace(/"[^"]*"|'[^']*'/g, '')))
        continue;
      const sev = level(fromParts(interpolations(hit.match[0])), 'critical', 'high');
      if (sev) yield { line: hit.line, column: hit.column, severity: sev };
    }
    const re =
      /(?:^|[^\w.:])(?:Kernel\.)?(system|exec|spawn)(?:\(|[ \t]+(?=["'%<a-z]))|\b(?:Open3\.(?:capture2e?|capture3|popen2e?|popen3|pipeline\w*)|IO\.popen|PTY\.spawn)(?:\(|[ \t]+)|(?:^|[^\w.])(?:Kernel\.)?open\(\s*(?="\||params|request|cookies)/gm;
    for (const c of calls(file, re)) {
      let args = c.args.filter((a) => !OPTIONS.test(a));
      if (args[0]?.startsWith('{') || /^ENV\b/.test(args[0] ?? '')) args = args.slice(1); // an environment hash first
      if (args.length === 0 || (args.length > 1 && !/IO\.popen|open\(/.test(c.m[0]))) continue; // several args: no shell
      const sev = level(rubyTaint(file, c.at.line, args[0] as string), 'critical', 'high');
      if (sev) yield { ...c.at, severity: sev };
    }
  },
});

const SQL_WORDS =
  /\b(?:select|insert|update|delete|from|where|values|join|order\s+by|group\s+by|limit|drop|create|alter|truncate|union|set)\b/i;
const GENERIC =
  /^(?:execute|exec|exec_params|query|select|from|lock|calculate|exec_query|select_all|select_one|select_value|select_values|select_rows)$/;

const sqlRule = rule({
  id: 'rb.sql-injection',
  severity: 'high',
  title: 'SQL fragment with interpolated data',
  message:
    'An ActiveRecord/SQL string interpolates or concatenates a value (where, order, find_by_sql, execute…), so the value can change the query.',
  fix: 'Use placeholders (`where("name = ?", name)`), hash conditions (`where(name: name)`), sanitize_sql_array, or pick ORDER columns from a fixed list.',
  cwe: ['CWE-89'],
  example: 'User.where("email = \'#{params[:email]}\'")',
  *check(file) {
    if (!mentions(file, '#{', '+', 'params', 'request', 'cookies', '%', 'format(')) return;
    const migration = /(^|\/)db\/(?:migrate|seeds)|\.rake$/.test(file.path);
    const re =
      /\b(where|not|or|rewhere|find_by_sql|count_by_sql|execute|exec|exec_params|exec_query|select_all|select_one|select_value|select_values|select_rows|order|reorder|group|having|pluck|joins|from|lock|find_by|exists\?|delete_all|update_all|destroy_all|calculate|average|sum|minimum|maximum|select|query|sql)(?:\(|[ \t]+(?=["'%<]|params))/gm;
    for (const c of calls(file, re)) {
      const method = c.m[1] as string;
      if (method === 'sql' && !c.m.input.slice(Math.max(0, c.m.index - 5), c.m.index).endsWith('Arel.')) continue;
      // A method call (`.where(`), or a bare one at the start of an expression (scopes, class methods).
      if (!/(?:\.|^|\n|[=({,|&]|\bthen|\breturn)[ \t]*$/.test(c.m.input.slice(Math.max(0, c.m.index - 12), c.m.index))) continue;
      const many = /^(?:pluck|select|group|order|reorder|joins)$/.test(method);
      const taints = (many ? c.args.filter((a) => !OPTIONS.test(a)) : c.args.slice(0, 1)).map((a) => ({
        a,
        t: rubyTaint(file, c.at.line, a),
      }));
      const worst = taints.find((x) => x.t === 'request') ?? taints.find((x) => x.t === 'dynamic') ?? taints[0];
      if (worst === undefined) continue;
      const arg = worst.a;
      let t = worst.t;
      if (
        t === 'unknown' &&
        IDENT.test(arg.trim()) &&
        REQUEST.test(
          definitions(file, c.at.line, arg.trim())
            .map((d) => d.rhs)
            .join(' '),
        )
      )
        t = 'request';
      if (t === 'literal' || t === 'unknown' || (migration && t !== 'request')) continue;
      if (/^params\b/.test(arg.trim()) && /^(?:where|not|or|find_by|exists\?)$/.test(method) && !/\[:\w+\]\s*$/.test(arg)) continue; // a hash of conditions
      if (GENERIC.test(method) && t !== 'request' && !SQL_WORDS.test(sqlOf(file, c.at.line, arg))) continue;
      yield t === 'request' ? c.at : { ...c.at, severity: 'high' };
    }
    // Rails 2 style finders: find(:all, :conditions => "name = '#{name}'")
    for (const hit of capPerLine(matchSegments(file, /(?::conditions\s*=>|\bconditions:)\s*(?=["%])/g))) {
      const nl = hit.match.input.indexOf('\n', hit.match.index);
      const from = hit.match.index + hit.match[0].length;
      const rest = hit.match.input.slice(from, Math.min(nl < 0 ? hit.match.input.length : nl, from + 2000));
      const t = rubyTaint(file, hit.line, splitArgs(rest)[0] ?? '');
      if ((t === 'request' || t === 'dynamic') && !isCommentLine('ruby', file.lines.get(hit.line) ?? ''))
        yield { line: hit.line, column: hit.column };
    }
  },
});

function sqlOf(file: SourceFile, line: number, arg: string): string {
  const doc = heredoc(file, line, arg);
  if (doc) return doc.body;
  return IDENT.test(arg.trim())
    ? definitions(file, line, arg.trim())
        .map((d) => `${d.rhs} ${heredoc(file, d.line, d.rhs)?.body ?? ''}`)
        .join(' ')
    : arg;
}

const evalRule = rule({
  id: 'rb.eval',
  severity: 'high',
  title: 'Ruby code or ERB evaluated from a string',
  message:
    'eval / instance_eval / class_eval (or an ERB template via render inline: / ERB.new) runs text built from data, which runs arbitrary code.',
  fix: 'Do not evaluate data; dispatch through a fixed table of methods or lambdas, use blocks for instance_eval/class_eval, and render templates from files.',
  cwe: ['CWE-95'],
  example: 'result = eval(params[:expression])',
  *check(file) {
    const re = /(?:(?:^|[^\w.:]|\bKernel\.|\bbinding\.)(eval)|\b(instance_eval|class_eval|module_eval))(?:\(|[ \t]+(?=["'%<a-z@]))/gm;
    for (const c of mentions(file, 'eval') ? calls(file, re) : []) {
      const code = c.args[0];
      const method = c.m[1] ?? c.m[2];
      if (
        code === undefined ||
        code === '' ||
        /^&|^(?:do|\{)\b/.test(code) ||
        /^(?:File|IO)\.read\(|^Bundler\.read_file\(|^File\.open\(/.test(code)
      )
        continue;
      const t = rubyTaint(file, c.at.line, code);
      if (t === 'request') yield { ...c.at, severity: 'critical' };
      else if (method === 'eval' ? t !== 'literal' : t !== 'literal' && IDENT.test(code)) yield { ...c.at, severity: 'medium' };
    }
    // ERB from the request is Ruby from the request: render inline: / ERB.new(…).result
    if (!mentions(file, 'inline', 'ERB.new')) return;
    for (const c of calls(file, /\brender[ \t]*\(?[ \t]*(?=inline:|:inline\s*=>)|\bERB\.new\(/g)) {
      const template = (c.args[0] ?? '').replace(/^(?:inline:|:inline\s*=>)\s*/, '');
      const t = rubyTaint(file, c.at.line, template);
      if (t === 'request') yield { ...c.at, severity: 'critical' };
      else if (t === 'dynamic' && c.m[0].startsWith('render')) yield c.at;
    }
  },
});

const GUARD = /include\?|\.in\?|ALLOWED|WHITELIST|ALLOWLIST|PERMITTED|VALID_|case\s+params/;

const reflectionRule = rule({
  id: 'rb.unsafe-reflection',
  severity: 'high',
  title: 'Method or class chosen by request data',
  message: 'send/public_send/constantize/const_get takes a name from params, so a caller picks which method runs or which class is loaded.',
  fix: 'Map the request value through a fixed allow-list (`ALLOWED.fetch(params[:kind])`) before calling send or constantize.',
  cwe: ['CWE-470'],
  example: 'klass = params[:type].constantize',
  *check(file) {
    if (!mentions(file, 'params', 'cookies', 'request')) return;
    const re =
      /\b(?:send|public_send|__send__|try|method|const_get|instance_variable_get|instance_variable_set)\(\s*([^,)\n]+)|\.(?:safe_)?constantize\b/g;
    for (const hit of capPerLine(matchSegments(file, re))) {
      const text = file.lines.get(hit.line) ?? '';
      if (isCommentLine('ruby', text)) continue;
      // for constantize, the receiver: what precedes it since the assignment, bracket or comma
      const receiver =
        hit.match[1] ??
        /(?:^|[=(,]|\|\||&&)\s*([^=(,]*(?:\([^)]*\)[^=(,]*)*)$/.exec(
          hit.match.input
            .slice(Math.max(0, hit.match.index - 200), hit.match.index)
            .split('\n')
            .pop() ?? '',
        )?.[1];
      const arg = (receiver ?? '').trim().replace(/\.(?:classify|camelize|to_s|to_sym|singularize)\b/g, '');
      let t = rubyTaint(file, hit.line, arg);
      if (t !== 'request' && IDENT.test(arg))
        t = REQUEST.test(
          definitions(file, hit.line, arg)
            .map((d) => d.rhs)
            .join(' '),
        )
          ? 'request'
          : t;
      if (t !== 'request') continue;
      const near = [file.lines.get(hit.line - 2), file.lines.get(hit.line - 1), text].join('\n');
      if (GUARD.test(near)) continue;
      yield { line: hit.line, column: hit.column };
    }
  },
});

const tlsRule = rule({
  id: 'rb.tls-verify-none',
  severity: 'high',
  title: 'TLS certificate verification disabled',
  message:
    'Certificate verification is turned off (VERIFY_NONE, verify_ssl: false, ssl: { verify: false }), so anyone on the network path can read and change this traffic.',
  fix: 'Keep VERIFY_PEER (the default); for a private CA pass ca_file/cert_store instead of turning verification off.',
  cwe: ['CWE-295'],
  example: 'http.verify_mode = OpenSSL::SSL::VERIFY_NONE',
  *check(file) {
    if (!mentions(file, 'VERIFY_NONE', 'verify', 'none')) return;
    if (file.isTest || /config\/environments\/(?:development|test)\.rb$/.test(file.path)) return;
    const re =
      /\bVERIFY_NONE\b|\b(?:ssl_verify|verify_ssl|ssl_verify_peer|verify_peer|ssl_verifypeer|verify_certificate)\]?\s*(?::|=>|=)\s*false\b|\bssl\s*(?::|=>)\s*\{[^}\n]*\bverify\s*(?::|=>)\s*false|(?:openssl|ssl)_verify_mode\s*(?::|=>)\s*['":]none|\bssl_verifyhost\s*(?::|=>)\s*0\b|\bverify\s*(?::|=>)\s*false\b/g;
    for (const hit of capPerLine(matchSegments(file, re))) {
      const text = file.lines.get(hit.line) ?? '';
      // a comparison, or a mapping/choice that also names VERIFY_PEER (the setting is configured elsewhere)
      if (isCommentLine('ruby', text) || /[!=]=\s*(?:OpenSSL::SSL::)?VERIFY_NONE|VERIFY_NONE\s*[!=]=|VERIFY_PEER(?!\s*=[^=])/.test(text))
        continue;
      if (
        /^verify\b/.test(hit.match[0]) &&
        !/HTTParty|\.(?:get|post|put|patch|delete|head)\b|default_options|ssl|Faraday|RestClient|Excon/.test(text)
      )
        continue;
      const guard = [file.lines.get(hit.line - 1) ?? '', text].join('\n');
      if (
        /\b(?:if|unless)\s+Rails\.env\.(?:development|test|local)\?|(?:if|unless)\s+.*(?:development|test)\?|unless\s+Rails\.env\.production\?/.test(
          guard,
        )
      )
        continue;
      yield { line: hit.line, column: hit.column };
    }
  },
});

const deserializationRule = rule({
  id: 'rb.insecure-deserialization',
  severity: 'high',
  title: 'Deserialization that builds arbitrary objects',
  message:
    'Marshal.load, YAML.unsafe_load / YAML.load (before Psych 4) and Oj in :object mode create any class the data names; crafted input runs code.',
  fix: 'Use JSON.parse or YAML.safe_load (with permitted_classes), Oj.load with mode: :strict; never Marshal data you did not write.',
  cwe: ['CWE-502'],
  example: 'session_data = Marshal.load(Base64.decode64(cookies[:state]))',
  *check(file) {
    if (!mentions(file, 'Marshal', 'YAML', 'Psych', 'Oj.', 'cookies_serializer')) return;
    const all = [...file.lines.values()].join('\n');
    const re =
      /\b(?:Marshal\.(?:load|restore)|(?:YAML|Psych)\.(?:unsafe_load(?:_file)?|load|load_stream|load_documents)|Oj\.(?:load|object_load))\(|cookies_serializer\s*=\s*:marshal\b/g;
    for (const c of calls(file, re)) {
      const head = c.m[0];
      const arg = c.args[0] ?? '';
      const untrusted = REQUEST.test(arg) || /request|body|payload|decode64|\.read\b(?!\()|socket|redis|cache/i.test(arg);
      if (head.includes('cookies_serializer')) yield { ...c.at, severity: 'medium' };
      else if (head.startsWith('Marshal')) {
        if (/^Marshal\.dump\(/.test(arg.trim())) continue; // deep copy
        yield untrusted ? c.at : { ...c.at, severity: 'medium' };
      } else if (/unsafe_load|object_load/.test(head)) yield c.at;
      else if (head.startsWith('Oj')) {
        const mode = c.args.join(',').match(/mode:\s*:(\w+)|:mode\s*=>\s*:(\w+)/);
        const m = mode?.[1] ?? mode?.[2] ?? (/default_options\s*=.*mode:\s*:(?!object)/.test(all) ? 'safe' : 'object');
        if (m === 'object') yield untrusted ? c.at : { ...c.at, severity: 'medium' };
      } else {
        if (c.args.some((a) => /permitted_classes|safe:\s*true/.test(a)) || SINGLE.test(arg.trim()) || /^<<[~-]?'/.test(arg)) continue;
        if (rubyTaint(file, c.at.line, arg) === 'literal') continue;
        yield untrusted ? c.at : { ...c.at, severity: 'medium' };
      }
    }
  },
});

export const RUBY_RULES: readonly Rule[] = [evalRule, reflectionRule, commandRule, sqlRule, tlsRule, deserializationRule];
