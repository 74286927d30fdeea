/**
 * JavaScript and TypeScript code that lets request data become markup or templates: HTML written
 * into the DOM or an Express response from values (XSS), and template engines compiling a template
 * that is built from, or taken from, the request (server-side template injection runs code).
 */
import type { Language, Match, Rule, Severity, SourceFile } from '../types';
import { type CallSite, callArgs, callSites, exprAt, isCode, segmentMatches } from './call-args';
import { classify, classifyArg, requestSeverity } from './taint';

const JS: readonly Language[] = ['javascript', 'typescript'];

/** A JS/TS dangerous-code rule's fixed fields (shared with javascript.ts). */
export const meta = (r: Omit<Rule, 'class' | 'languages' | 'check'>) => ({ ...r, class: 'dangerous-code' as const, languages: JS });
/** A Match for a call site, optionally with its own severity and message. */
export const hit = (c: CallSite, severity?: Severity, message?: string): Match => ({
  line: c.line,
  endLine: c.endLine,
  column: c.column,
  ...(severity ? { severity } : {}),
  ...(message ? { message } : {}),
});

const SANITIZED = /\b(?:DOMPurify|sanitize\w*|purify|escape\w*|xss|encode\w*|he\.encode|textContent)\b/i;
/** Names that suggest the value came from outside (a user, a response, a form). */
const UNTRUSTED_HTML =
  /\b(?:location|document\.(?:URL|referrer|cookie)|params|query|body|data|response|res|json|message|msg|content|html|markup|input|props|payload|comment|user|text)\b|\.value\b/i;

export const JS_WEB_RULES: readonly Rule[] = [
  {
    ...meta({
      id: 'js.html-injection',
      severity: 'medium',
      title: 'HTML written into the page from a value',
      message: 'A value is written into the page as HTML; if any of it comes from a user it can run script (XSS).',
      fix: 'Set textContent / render as text, or sanitize with DOMPurify before inserting HTML.',
      cwe: ['CWE-79'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text, not a template
      example: 'el.innerHTML = `<p>${comment.body}</p>`;',
    }),
    *check(file: SourceFile) {
      const re =
        /\.(?:innerHTML|outerHTML)\s*\+?=(?!=)|\bdangerouslySetInnerHTML\s*=\s*\{\s*\{\s*__html\s*:|\.insertAdjacentHTML\s*\(|\bdocument\.write(?:ln)?\s*\(/g;
      for (const m of segmentMatches(file, re, ['innerHTML', 'outerHTML', '__html', 'insertAdjacentHTML', 'document.write'])) {
        const text = m.match.input;
        if (!isCode(file, text, m.match.index, m.line, m.column, 'js')) continue;
        const after = m.match.index + m.match[0].length;
        const c = m.match[0].endsWith('(') ? callArgs(text, after - 1, 'js') : null;
        const value = (c ? (m.match[0].includes('insertAdjacentHTML') ? c.args[1] : c.args[0]) : exprAt(text, after, 'js')) ?? '';
        if (value === '' || SANITIZED.test(value)) continue;
        const t = classify(value, 'js').taint;
        if (t === 'dynamic' || (t === 'unknown' && UNTRUSTED_HTML.test(value))) yield { line: m.line, column: m.column };
      }
      // Angular's explicit opt-out of sanitizing.
      for (const c of callSites(file, /\.bypassSecurityTrust(?:Html|Script|Url|ResourceUrl|Style)\s*\(/g, 'js', ['bypassSecurityTrust'])) {
        const a = c.args[0] ?? '';
        if (a === '' || SANITIZED.test(a)) continue;
        const t = classifyArg(file, a, c.line, 'js').taint;
        if (t === 'dynamic' || (t === 'unknown' && UNTRUSTED_HTML.test(a))) yield hit(c);
      }
      // Express reflecting request input into an HTML response.
      for (const c of callSites(file, /\bres\.(?:send|write|end)\s*\(/g, 'js', ['res.'])) {
        const a = c.args[0] ?? '';
        if (SANITIZED.test(a) || !/\breq\.(?:query|params|body|cookies|headers)\b/.test(a)) continue;
        const r = classify(a, 'js');
        if (r.taint === 'dynamic' && r.strings.some((s) => /<[a-z]/i.test(s))) yield hit(c);
      }
    },
  },
  {
    ...meta({
      id: 'js.template-injection',
      severity: 'high',
      title: 'Template compiled from a built or request-supplied string',
      message:
        'A template engine compiles a template built from a value or taken from the request: template syntax in it runs code on the server (SSTI).',
      fix: 'Compile only templates that ship with the code; pass user input to render() as data, never as the template.',
      cwe: ['CWE-1336', 'CWE-94'],
      example: 'const html = ejs.render(req.body.template, { user });',
    }),
    *check(file: SourceFile) {
      const re =
        /(?<![\w$.#])(?:ejs|pug|jade|handlebars|Handlebars|hbs|nunjucks|_|lodash|dot|doT|Mustache|mustache|eta|Eta|Twig|twig|swig|Sqrl)\.(?:render|compile|renderString|template|compileFile|twig)\s*\(/g;
      for (const c of callSites(file, re, 'js', ['.render', '.compile', '.template', '.twig'])) {
        const a = c.args[0];
        if (a === undefined || /^\{/.test(a)) continue; // Twig({ data }) / options objects
        const r = classifyArg(file, a, c.line, 'js');
        if (r.taint === 'dynamic') yield hit(c, requestSeverity(r));
      }
    },
  },
];
