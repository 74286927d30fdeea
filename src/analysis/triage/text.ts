/**
 * Issue text as the classifier and the duplicate finder read it: template instructions (HTML
 * comments, "A clear and concise description of…" lines, "e.g." placeholders) and the template's
 * own headings removed, so a template's leftovers never outweigh what the reporter wrote; code
 * blocks kept apart from prose.
 */

/** Headings of the common issue templates (GitHub's defaults and their usual variants), by kind. */
export const TEMPLATE_HEADINGS: readonly { kind: 'bug' | 'feature' | 'question'; re: RegExp }[] = [
  {
    kind: 'bug',
    re: /^(describe the bug|bug description|bug report|what happened\??|to reproduce|steps to reproduce( the (behaviou?r|bug|issue|problem))?|reproduction( steps)?|minimal reproduction|reproducible example|repro( steps)?|expected (behaviou?r|result|outcome)|actual (behaviou?r|result|outcome)|current behaviou?r|observed behaviou?r|what did you expect to happen\??|what actually happened\??|what (did|do) you see( instead)?\??|(error|log|relevant log)( output| messages?)?|logs|stack ?trace|environment|versions?|desktop|smartphone|system info(rmation)?|screenshots|possible (fix|cause)|regression\??|is this a regression\??|workaround)$/,
  },
  {
    kind: 'feature',
    re: /^(is your feature request related to a problem\??( please describe\.?)?|describe the solution you'?d like|describe alternatives you'?ve considered|alternatives( considered)?|proposed (solution|change|api|design)|proposal|motivation|use ?cases?|feature (request|description)|the problem|summary|basic example|detailed design|drawbacks|additional context|how would you like (it|this) to work\??|what problem (does|would) this solve\??)$/,
  },
  { kind: 'question', re: /^(question|your question|what is your question\??|what are you trying to do\??|support request|help)$/ },
];

/** Template instructions and placeholders that are not the reporter's words. */
const BOILERPLATE =
  /^(?:[-*]\s*)?(?:a clear and concise description|steps to reproduce the behaviou?r|go to '|click on '|scroll down to '|see error|if applicable,? add|add any other context|(?:os|browser|version|device|node(?:\.js)? version|npm version)\s*:\s*\[e\.?g\.?|\[e\.?g\.?|please (?:describe|provide|fill|complete|search|make sure|check|include)|thanks for (?:taking|filing|reporting)|before (?:submitting|opening|filing)|- \[[ x]\] (?:i (?:have|searched|checked|read)|i've))/i;

/** How much of a body is read (GitHub allows 65,536 characters). */
export const MAX_BODY_CHARS = 8_000;

export interface CleanText {
  /** Prose: the reporter's lines without code blocks, headings of templates or instructions. */
  prose: string;
  /** Contents of fenced/indented code blocks and inline code. */
  code: string;
  /** The template kinds whose headings appear, with the headings seen. */
  templates: Map<'bug' | 'feature' | 'question', string[]>;
}

const headingText = (line: string): string | null => {
  const m = /^\s{0,3}(?:#{1,6}\s*|\*\*|__)(.+?)(?:\*\*|__)?\s*:?\s*$/.exec(line) ?? /^\s{0,3}([A-Z][A-Za-z' ?]{2,60}):\s*$/.exec(line);
  return m?.[1] ? m[1].replace(/[*_:#]+/g, '').trim() : null;
};

/** Splits an issue body into prose and code, dropping template instructions and headings. */
export function cleanBody(body: string | null | undefined): CleanText {
  const templates: CleanText['templates'] = new Map();
  if (!body) return { prose: '', code: '', templates };
  // Only the start of a very long body is read: what an issue is about is said early, and it bounds the regex work.
  const text = body
    .slice(0, MAX_BODY_CHARS)
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?(-->|$)/g, '');
  const prose: string[] = [];
  const code: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const fenceMark = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== null) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) fence = null;
      else code.push(line);
      continue;
    }
    if (fenceMark) {
      fence = fenceMark;
      continue;
    }
    if (/^( {4}|\t)\S/.test(line) && (prose.at(-1) ?? '') === '') {
      code.push(line);
      continue;
    }
    if (/^\s*>/.test(line) && /^\s*>\s*(at |File "|Traceback|\w+(Error|Exception)\b)/.test(line)) {
      code.push(line.replace(/^\s*>\s?/, ''));
      continue;
    }
    const heading = headingText(line);
    if (heading !== null) {
      const normal = heading
        .toLowerCase()
        .replace(/[.!]+$/, '')
        .replace(/\s+/g, ' ')
        .trim();
      const kind = TEMPLATE_HEADINGS.find((t) => t.re.test(normal))?.kind;
      if (kind) {
        templates.set(kind, [...(templates.get(kind) ?? []), heading]);
        prose.push('');
        continue;
      }
    }
    if (BOILERPLATE.test(line.trim())) continue;
    prose.push(
      line.replace(/`([^`\n]+)`/g, (_m, inner: string) => {
        code.push(inner);
        return ` ${inner} `;
      }),
    );
  }
  return { prose: prose.join('\n').trim(), code: code.join('\n'), templates };
}
