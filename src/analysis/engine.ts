/**
 * The engine: diff in, findings out. Each file the diff shows is classified (skipped with a
 * reason, or analysed as a language), every rule for that language runs over the new side as far
 * as the hunks show it, and a rule's match is kept only when it touches an added line — context
 * lines inform a rule but are never reported (they were there before this change). Then inline
 * suppressions and the options' switches apply, and each finding gets a fingerprint that survives
 * the line moving, so a later push can tell old findings from new ones.
 */
import picomatch from 'picomatch/posix';
import { fileFromPatch, parseDiff, segmentsOf } from './diff';
import { isTestPath, languageOf, skipReason } from './files';
import { fingerprintOf } from './fingerprint';
import { ALL_RULES } from './rules';
import { isSuppressed, ruleMatches } from './suppress';
import type { AnalysisOptions, AnalysisResult, FileDiff, Finding, Rule, RuleError, SkippedFile, SourceFile } from './types';
import { severityRank } from './types';

export const DEFAULT_MAX_ADDED_LINES = 5_000;
export const DEFAULT_MAX_FILES = 3_000;

/** The new side of a file diff, as rules see it. */
export function sourceFileOf(file: FileDiff): SourceFile {
  const segments = segmentsOf(file.hunks);
  const lines = new Map<number, string>();
  const added = new Set<number>();
  for (const s of segments)
    s.lines.forEach((text, i) => {
      lines.set(s.start + i, text);
      if (s.added[i]) added.add(s.start + i);
    });
  return {
    path: file.path,
    language: languageOf(file.path),
    status: file.status,
    segments,
    lines,
    added,
    hunks: file.hunks,
    isTest: isTestPath(file.path),
  };
}

function rulesFor(file: SourceFile, rules: readonly Rule[]): Rule[] {
  return rules.filter((r) => r.languages === 'any' || (file.language !== null && r.languages.includes(file.language)));
}

/**
 * Findings of the rules on one file (before suppression and switches). A rule that throws is
 * skipped for that file — its bug must not cost the other rules' findings — and noted in `errors`.
 */
export function runRules(file: SourceFile, rules: readonly Rule[] = ALL_RULES, errors: RuleError[] = []): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const occurrences = new Map<string, number>();
  for (const rule of rulesFor(file, rules)) {
    let matches: Iterable<import('./types').Match>;
    try {
      matches = [...rule.check(file)];
    } catch (err) {
      errors.push({ ruleId: rule.id, path: file.path, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    for (const m of matches) {
      const end = Math.max(m.line, m.endLine ?? m.line);
      let line = -1;
      for (let l = m.line; l <= end; l++)
        if (file.added.has(l)) {
          line = l;
          break;
        }
      if (line < 0) continue; // only context lines: there before this change
      const key = `${rule.id}:${line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const text = file.lines.get(line) ?? '';
      const occurrenceKey = `${rule.id}\u0000${text.replace(/\s+/g, ' ').trim()}`;
      const occurrence = occurrences.get(occurrenceKey) ?? 0;
      occurrences.set(occurrenceKey, occurrence + 1);
      const finding: Finding = {
        ruleId: rule.id,
        class: rule.class,
        severity: m.severity ?? rule.severity,
        path: file.path,
        line,
        endLine: Math.max(line, end),
        title: rule.title,
        message: m.message ?? rule.message,
        fix: rule.fix,
        fingerprint: fingerprintOf(rule.id, file.path, text, occurrence),
      };
      if (m.column !== undefined && line === m.line) finding.column = m.column;
      out.push(finding);
    }
  }
  return out;
}

function enabled(f: Finding, options: AnalysisOptions): boolean {
  if (options.disabledClasses?.includes(f.class)) return false;
  return !(options.disabledRules ?? []).some((p) => ruleMatches(p, f));
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.path.localeCompare(b.path) ||
    a.line - b.line ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

/** Analyses parsed file diffs. */
export function analyzeFiles(
  files: readonly FileDiff[],
  options: AnalysisOptions = {},
  rules: readonly Rule[] = ALL_RULES,
): AnalysisResult {
  const maxAdded = options.maxAddedLinesPerFile ?? DEFAULT_MAX_ADDED_LINES;
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  const ignored = options.ignorePaths?.length ? picomatch([...options.ignorePaths], { dot: true }) : null;
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [];
  let analysed = 0;
  let addedLines = 0;
  let suppressed = 0;
  const ruleErrors: RuleError[] = [];
  for (const diff of files) {
    if (ignored?.(diff.path)) {
      skipped.push({ path: diff.path, reason: 'ignored' });
      continue;
    }
    const reason = skipReason(diff, maxAdded);
    if (reason) {
      skipped.push({ path: diff.path, reason });
      continue;
    }
    if (analysed >= maxFiles) {
      skipped.push({ path: diff.path, reason: 'limit' });
      continue;
    }
    analysed++;
    const file = sourceFileOf(diff);
    addedLines += file.added.size;
    for (const f of runRules(file, rules, ruleErrors)) {
      if (!enabled(f, options)) continue;
      if (isSuppressed(f, file.lines)) {
        suppressed++;
        continue;
      }
      findings.push(f);
    }
  }
  return { findings: findings.sort(compareFindings), skipped, files: analysed, addedLines, suppressed, ruleErrors };
}

/** Analyses unified-diff text (`git diff`, a `.diff`/`.patch` file). */
export function analyzeDiff(text: string, options: AnalysisOptions = {}, rules: readonly Rule[] = ALL_RULES): AnalysisResult {
  return analyzeFiles(parseDiff(text), options, rules);
}

/** Analyses the files the PR files / compare APIs return (`filename`, `status`, `patch`). */
export function analyzePatches(
  files: readonly { filename: string; status: string; patch?: string | undefined; previous_filename?: string | undefined }[],
  options: AnalysisOptions = {},
  rules: readonly Rule[] = ALL_RULES,
): AnalysisResult {
  const diffs: FileDiff[] = [];
  const noPatch: SkippedFile[] = [];
  for (const f of files) {
    if (f.patch === undefined && f.status !== 'removed') {
      // GitHub leaves `patch` out for binaries and diffs too large to show.
      const d = fileFromPatch(f.filename, undefined, f.status, f.previous_filename);
      noPatch.push({ path: f.filename, reason: skipReason(d, Number.POSITIVE_INFINITY) ?? 'no-patch' });
      continue;
    }
    diffs.push(fileFromPatch(f.filename, f.patch, f.status, f.previous_filename));
  }
  const result = analyzeFiles(diffs, options, rules);
  return { ...result, skipped: [...noPatch, ...result.skipped] };
}
