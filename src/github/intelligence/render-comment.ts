/**
 * The pull request's summary comment: what changed and why it matters (size, areas touched, risk
 * flags and the files behind them), the analysis (top findings, new ones first, each linked to its
 * line; how many are still present from earlier pushes; skipped files), and the file list. Every
 * name and message a PR author controls is inert (render.ts).
 */
import type { Severity } from '../../analysis/types';
import { type ChangedFile, FLAG_TEXT, type Summary } from './changes';
import { CONFIG_PATH } from './config';
import { blobUrl, clip, code, SKIP_TEXT } from './render';
import type { Tracked } from './report';

export const SUMMARY_MARKER = '<!-- chittyconnect:pr-summary -->';
const LISTED_FILES = 50;
const TOP_FINDINGS = 10;
const LISTED_RISKY = 10;
const LISTED_SKIPPED = 10;
const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵' };

export interface CommentInput {
  owner: string;
  repo: string;
  headSha: string;
  chittyId: string;
  files: readonly ChangedFile[];
  summary: Summary;
  /** The analysis; null when turned off by configuration. */
  analysis: {
    findings: readonly Tracked[];
    conclusion: string;
    skipped: readonly { path: string; reason: keyof typeof SKIP_TEXT }[];
    problems: number;
  } | null;
}

function whatChanged(s: Summary): string[] {
  const areas = s.areas
    .slice(0, 8)
    .map((a) => `${code(a.area)} (${a.files})`)
    .join(' · ');
  const risk = s.flags.length === 0 ? 'No risk flags.' : s.flags.map((f) => `⚠️ ${FLAG_TEXT[f]}`).join('<br>');
  const risky = s.risky.slice(0, LISTED_RISKY).map((r) => `- ${code(r.path)}: ${FLAG_TEXT[r.flag]}`);
  const more = s.risky.length > LISTED_RISKY ? [`- …and ${s.risky.length - LISTED_RISKY} more`] : [];
  return [
    `**${s.files} ${s.files === 1 ? 'file' : 'files'}** changed · **+${s.additions}** / **−${s.deletions}**`,
    '',
    ...(areas ? [`**Areas:** ${areas}`, ''] : []),
    `**Risk:** ${risk}`,
    ...(risky.length ? ['', ...risky, ...more] : []),
  ];
}

function findingsSection(input: CommentInput): string[] {
  const a = input.analysis;
  if (!a) return ['#### Findings', '', `Analysis is turned off by ${code(CONFIG_PATH)}.`];
  const fresh = a.findings.filter((f) => f.isNew).length;
  const still = a.findings.length - fresh;
  const head =
    a.findings.length === 0
      ? 'No findings in the changed lines.'
      : `**${a.findings.length} ${a.findings.length === 1 ? 'finding' : 'findings'}** · ${fresh} new · ${still} still present from earlier pushes · check run: **${a.conclusion}**`;
  const newFirst = [...a.findings].sort((x, y) => Number(y.isNew) - Number(x.isNew)); // stable: each part stays most severe first
  const top = newFirst.slice(0, TOP_FINDINGS).map((f) => {
    const where = `[${code(`${f.path}:${f.line}`)}](${blobUrl(input.owner, input.repo, input.headSha, f.path, f.line)})`;
    return `- ${ICON[f.severity]} **${f.severity}** ${where} ${code(f.title)}: ${code(f.message)}${f.isNew ? '' : ' _(still present)_'}`;
  });
  const more = a.findings.length > TOP_FINDINGS ? [`- …and ${a.findings.length - TOP_FINDINGS} more in the check run.`] : [];
  const named = a.skipped.slice(0, LISTED_SKIPPED).map((s) => `${code(s.path)} (${SKIP_TEXT[s.reason]})`);
  const others = a.skipped.length > LISTED_SKIPPED ? ` and ${a.skipped.length - LISTED_SKIPPED} more` : '';
  const skipped = named.length
    ? ['', `**Not analysed** (${a.skipped.length} ${a.skipped.length === 1 ? 'file' : 'files'}): ${named.join(', ')}${others}.`]
    : [];
  const problems = a.problems
    ? ['', `⚠️ ${code(CONFIG_PATH)} has ${a.problems} ${a.problems === 1 ? 'problem' : 'problems'}: see the check run.`]
    : [];
  return ['#### Findings', '', head, ...(top.length ? ['', ...top, ...more] : []), ...skipped, ...problems];
}

export function renderComment(input: CommentInput): string {
  const rows = input.files
    .slice(0, LISTED_FILES)
    .map((f) => `| ${code(f.filename)} | ${code(f.status)} | +${f.additions} | −${f.deletions} |`);
  const more = input.files.length > LISTED_FILES ? `\n\n…and ${input.files.length - LISTED_FILES} more files.` : '';
  const body = [
    SUMMARY_MARKER,
    '### ChittyConnect summary',
    '',
    ...whatChanged(input.summary),
    '',
    ...findingsSection(input),
    '',
    '<details><summary>Files</summary>',
    '',
    '| File | Status | + | − |',
    '| --- | --- | ---: | ---: |',
    ...rows,
    `${more}`,
    '</details>',
    '',
    `<sub>Updated for ${input.headSha.slice(0, 7)} · ChittyID \`${input.chittyId}\`</sub>`,
  ].join('\n');
  return clip(body, 65_000, `_…cut here: GitHub takes at most 65,536 characters. Updated for ${input.headSha.slice(0, 7)}._`);
}
