/**
 * Findings as SARIF 2.1.0 (OASIS), the format GitHub code scanning and other analyzers read:
 * one run, the tool's rules (those that fired, or all), one result per finding with its location
 * and a partial fingerprint so code scanning tracks it across pushes.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { VERSION } from '../version';
import { ALL_RULES } from './rules';
import type { AnalysisResult, Rule, Severity } from './types';

const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** GitHub code scanning's security-severity (a CVSS-like score) for each severity. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0' };

function descriptor(rule: Rule): ReportingDescriptor {
  const tags = [
    rule.class,
    ...(rule.class === 'complexity' ? ['maintainability'] : ['security']),
    ...(rule.cwe ?? []).map((c) => `external/cwe/${c.toLowerCase()}`),
  ];
  return {
    id: rule.id,
    name: rule.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.message },
    help: { text: rule.fix, markdown: `**Fix:** ${rule.fix}` },
    helpUri: `https://github.com/chittyos/chittyconnect/blob/main/docs/intelligence.md#${rule.id.replace(/\./g, '')}`,
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags,
      precision: rule.class === 'complexity' ? 'medium' : 'high',
      ...(rule.class === 'complexity' ? {} : { 'security-severity': SECURITY_SEVERITY[rule.severity] }),
    },
  };
}

export function toSarif(result: AnalysisResult, rules: readonly Rule[] = ALL_RULES): Log {
  const used = rules.filter((r) => result.findings.some((f) => f.ruleId === r.id));
  const index = new Map(used.map((r, i) => [r.id, i]));
  const results: Result[] = result.findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId) ?? -1,
    level: LEVEL[f.severity],
    message: { text: `${f.message} Fix: ${f.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.path), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, endLine: f.endLine, ...(f.column ? { startColumn: f.column } : {}) },
        },
      },
    ],
    partialFingerprints: { 'chittyconnect/v1': f.fingerprint },
    properties: { class: f.class, severity: f.severity },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ChittyConnect',
            informationUri: 'https://github.com/chittyos/chittyconnect/blob/main/docs/intelligence.md',
            semanticVersion: VERSION,
            rules: used.map(descriptor),
          },
        },
        results,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: result.skipped.map((s) => ({
              level: 'note' as const,
              message: { text: `Skipped ${s.path}: ${s.reason}` },
              descriptor: { id: `skipped.${s.reason}` },
            })),
          },
        ],
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
