/**
 * The analysis engine's vocabulary. The engine is pure: unified-diff text (or the PR files API's
 * per-file `patch`) in, findings out; no I/O, no clock, no bindings — the same code runs in the
 * Worker, in `npm run analyze` and in the benchmarks.
 */

/** What a finding is about. */
export type FindingClass = 'secrets' | 'dangerous-code' | 'workflows' | 'complexity';

/** Ordered from most to least severe (see SEVERITIES). */
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export const severityRank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s); // critical 4 … low 1

/** Languages the rules know; null for anything else (data, docs). `workflow` is a GitHub Actions file. */
export type Language = 'javascript' | 'typescript' | 'python' | 'go' | 'java' | 'ruby' | 'workflow' | 'yaml' | 'shell';

/** One line of a hunk. `newLine` is set for context and added lines, `oldLine` for context and removed ones. */
export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  text: string;
  newLine?: number;
  oldLine?: number;
}

export interface Hunk {
  oldStart: number;
  newStart: number;
  lines: DiffLine[];
  /** The text after the second @@ (git puts the enclosing function's signature there). */
  heading: string;
}

/** One file of a diff. */
export interface FileDiff {
  path: string;
  oldPath: string | null;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  hunks: Hunk[];
  /** Git said "Binary files … differ" or sent a binary patch. */
  binary: boolean;
}

/** A run of consecutive new-file lines the diff shows (added and context). */
export interface Segment {
  /** New-file line number of lines[0]. */
  start: number;
  lines: string[];
  /** Parallel to lines: true where the line was added. */
  added: boolean[];
}

/** What a rule sees of a file: the new side as far as the diff shows it. */
export interface SourceFile {
  path: string;
  language: Language | null;
  status: FileDiff['status'];
  /** Consecutive runs of known new-file lines, in order. */
  segments: readonly Segment[];
  /** Known new-file lines (added and context) by line number. */
  lines: ReadonlyMap<number, string>;
  /** New-file line numbers that were added. */
  added: ReadonlySet<number>;
  /** The hunks, for rules that compare the old side (complexity). */
  hunks: readonly Hunk[];
  /** The path looks like a test, fixture, example or mock (secrets there are usually fake). */
  isTest: boolean;
}

/** Where a rule matched. Lines are new-file line numbers; columns 1-based. */
export interface Match {
  line: number;
  /** Last line of a match that spans several; defaults to `line`. */
  endLine?: number;
  column?: number;
  /** Replaces the rule's default message (must never contain a secret's value). */
  message?: string;
  severity?: Severity;
}

export interface RuleMeta {
  /** Stable id, `<class-prefix>.<name>`, e.g. `secrets.aws-access-key-id`, `js.eval`. Never reused. */
  id: string;
  class: FindingClass;
  severity: Severity;
  /** Short title, e.g. "AWS access key id". */
  title: string;
  /** Default message of a finding. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** CWE ids, e.g. ['CWE-798']. */
  cwe?: readonly string[];
  /** A line that triggers it, for docs/intelligence.md. */
  example?: string;
}

export interface Rule extends RuleMeta {
  /** Languages the rule runs on; 'any' for every file (secrets). */
  languages: readonly Language[] | 'any';
  check(file: SourceFile): Iterable<Match>;
}

export interface Finding {
  ruleId: string;
  class: FindingClass;
  severity: Severity;
  path: string;
  line: number;
  endLine: number;
  column?: number;
  title: string;
  message: string;
  fix: string;
  /** Stable across pushes: rule, path and the normalised text of the line (not its number). */
  fingerprint: string;
}

export interface SkippedFile {
  path: string;
  reason: 'binary' | 'generated' | 'vendored' | 'lockfile' | 'too-large' | 'ignored' | 'removed' | 'no-patch' | 'limit';
}

export interface AnalysisOptions {
  /** Globs (picomatch) of paths never analysed. */
  ignorePaths?: readonly string[];
  /** Rule ids (or class names, or `prefix.*`) turned off. */
  disabledRules?: readonly string[];
  /** Classes turned off. */
  disabledClasses?: readonly FindingClass[];
  /** A file with more added lines than this is skipped (default 5,000). */
  maxAddedLinesPerFile?: number;
  /** At most this many files are analysed (default 3,000); the rest are skipped with reason `limit`. */
  maxFiles?: number;
}

export interface AnalysisResult {
  findings: Finding[];
  skipped: SkippedFile[];
  /** Files analysed. */
  files: number;
  /** Added lines analysed. */
  addedLines: number;
  /** Findings silenced by an inline comment. */
  suppressed: number;
  /** Rules that threw on a file (a bug in the rule): skipped there, the rest of the analysis stands. */
  ruleErrors: RuleError[];
}

export interface RuleError {
  ruleId: string;
  path: string;
  message: string;
}
