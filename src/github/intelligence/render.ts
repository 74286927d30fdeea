/**
 * Markdown the App posts, made safe: everything a PR author controls (file names, rule messages
 * that quote code, config values) is rendered inert — entity-escaped inside `<code>`, so it can
 * carry no mention, link, markup or HTML — and every text stays under GitHub's size limits.
 * Also the check run's output (title, summary, text) from an analysis.
 */
import type { SkippedFile } from '../../analysis/types';
import type { ConfigProblem } from './config';

/** GitHub's cap on a check run's summary and text, and on a comment body. */
export const MAX_TEXT = 65535;

/** Text as inert markup: every character markdown or HTML could act on entity-escaped, line breaks as spaces (use inside `<code>`, where nothing is autolinked). */
export const inert = (text: string) =>
  text.replace(/[&<>"'`|\\*_[\]@#~\r\n]/g, (ch) => (ch === '\r' || ch === '\n' ? ' ' : `&#${ch.charCodeAt(0)};`));

/** Inert text in `<code>`. */
export const code = (text: string) => `<code>${inert(text)}</code>`;

/** A path segment for a URL: encodeURIComponent plus the characters it leaves that markdown links act on. */
const segment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** `https://github.com/{o}/{r}/blob/{sha}/{path}#L{line}`, every part escaped. */
export function blobUrl(owner: string, repo: string, sha: string, path: string, line?: number): string {
  const file = path.split('/').map(segment).join('/');
  return `https://github.com/${segment(owner)}/${segment(repo)}/blob/${segment(sha)}/${file}${line ? `#L${line}` : ''}`;
}

/** Cuts text to `max` characters at a line break, with a note saying so. */
export function clip(text: string, max = MAX_TEXT, note = '_…cut here: GitHub takes at most 65,535 characters._'): string {
  if (text.length <= max) return text;
  const room = max - note.length - 2;
  const cut = text.lastIndexOf('\n', room);
  return `${text.slice(0, cut > room / 2 ? cut : room)}\n\n${note}`;
}

export const SKIP_TEXT: Record<SkippedFile['reason'], string> = {
  binary: 'binary',
  generated: 'generated',
  vendored: 'vendored',
  lockfile: 'lock file',
  'too-large': 'too many added lines',
  ignored: 'ignored by analysis.ignore_paths',
  removed: 'removed',
  'no-patch': 'no diff from GitHub: binary or too large',
  limit: 'over the file limit',
};

/** Skipped files, counted by reason, then the first few named. */
export function skippedText(skipped: readonly SkippedFile[], listed = 20): string[] {
  if (skipped.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(SKIP_TEXT[s.reason], (byReason.get(SKIP_TEXT[s.reason]) ?? 0) + 1);
  const counts = [...byReason].map(([reason, n]) => `${n} ${reason}`).join(' · ');
  const names = skipped.slice(0, listed).map((s) => `- ${code(s.path)}: ${SKIP_TEXT[s.reason]}`);
  const more = skipped.length > listed ? [`- …and ${skipped.length - listed} more`] : [];
  return [`**Skipped ${skipped.length} ${skipped.length === 1 ? 'file' : 'files'}** (${counts}):`, '', ...names, ...more];
}

/** Configuration problems, each with its file, line and column. */
export function problemsText(problems: readonly ConfigProblem[]): string[] {
  if (problems.length === 0) return [];
  return [
    `**Configuration problems** (the defaults apply to what is wrong):`,
    '',
    ...problems.map((p) => {
      const where = p.line === null ? '' : `, line ${p.line}${p.column === null ? '' : `, column ${p.column}`}`;
      return `- ${code(p.file)}${where}: ${code(p.message)}`;
    }),
  ];
}
