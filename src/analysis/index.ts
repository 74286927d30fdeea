/**
 * The analysis engine's public face: what the GitHub App, the CLI (`npm run analyze`), the
 * benchmarks and (later) the MCP tools use. See docs/intelligence.md for every rule.
 */

export { parseDiff } from './diff';
export { analyzeDiff, analyzeFiles, analyzePatches, DEFAULT_MAX_ADDED_LINES, DEFAULT_MAX_FILES } from './engine';
export { ALL_RULES, ruleById } from './rules';
export { toSarif } from './sarif';
export type { AnalysisOptions, AnalysisResult, Finding, FindingClass, Rule, Severity, SkippedFile } from './types';
export { SEVERITIES, severityRank } from './types';
