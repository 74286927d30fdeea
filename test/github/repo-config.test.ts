/**
 * `.github/chittyconnect.yml`: real YAML text through the parser (problems carry the line and
 * column), and through `loadRepoConfig` against the emulated GitHub's contents API — a missing
 * file is the defaults, `extends: org` reads the organisation's `.github` repository first, and
 * the cache per sha answers without a GitHub call.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { githubClient } from '../../src/github/client/api';
import { configCacheKey, DEFAULT_CONFIG, loadRepoConfig, mergeConfig, parseConfig } from '../../src/github/intelligence/config';
import { requestsTo } from '../helpers/emulator';
import { control } from '../helpers/github';

const FILE = '.github/chittyconnect.yml';

describe('parseConfig', () => {
  it('reads every setting of a valid file', () => {
    const { config, problems } = parseConfig(
      [
        'analysis:',
        '  ignore_paths: ["docs/**", "**/*.snap"]',
        '  disabled_rules: [complexity, js.*]',
        '  fail_on: critical',
        '  warn_on: high',
        '  max_annotations: 120',
        'summary: { enabled: false }',
        'triage:',
        '  labels: { bug: "type: bug", feature: enhancement }',
        '  priority_labels: { critical: P0, high: P1 }',
        '  create_labels: true',
        'context:',
        '  enabled: false',
      ].join('\n'),
      FILE,
    );
    expect(problems).toEqual([]);
    const merged = mergeConfig({}, config);
    expect(merged.analysis).toEqual({
      enabled: true,
      ignore_paths: ['docs/**', '**/*.snap'],
      disabled_rules: ['complexity', 'js.*'],
      fail_on: 'critical',
      warn_on: 'high',
      max_annotations: 120,
    });
    expect(merged.summary.enabled).toBe(false);
    expect(merged.triage).toMatchObject({
      labels: { bug: 'type: bug', feature: 'enhancement' },
      priority_labels: { critical: 'P0', high: 'P1' },
      create_labels: true,
      duplicates: true,
    });
    expect(merged.context.enabled).toBe(false);
  });

  it('a value of the wrong type is a problem on its line; that setting keeps its default, the rest apply', () => {
    const { config, problems } = parseConfig('analysis:\n  fail_on: sometimes\n  warn_on: low\n  max_annotations: 5000\n', FILE);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ file: FILE, line: 2, column: 12 });
    expect(problems[0]?.message).toMatch(/^analysis\.fail_on: .*critical.*never/);
    expect(problems[1]).toMatchObject({ line: 4, column: 20 });
    expect(problems[1]?.message).toContain('analysis.max_annotations');
    const merged = mergeConfig({}, config);
    expect(merged.analysis.fail_on).toBe(DEFAULT_CONFIG.analysis.fail_on);
    expect(merged.analysis.max_annotations).toBe(200);
    expect(merged.analysis.warn_on).toBe('low');
  });

  it('an unknown key is a problem naming it, at its line', () => {
    const { problems } = parseConfig('analysis:\n  enabled: true\n  fail-on: high\nlabels: {}\n', FILE);
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [3, 3],
      [4, 1],
    ]);
    expect(problems[0]?.message).toContain('unknown setting "fail-on"');
    expect(problems[1]?.message).toContain('unknown setting "labels"');
  });

  it('a YAML syntax error is a problem with its line, and the whole file falls back to the defaults', () => {
    const { config, problems } = parseConfig('analysis:\n  enabled: false\n  ignore_paths: [docs/**\n  fail_on: low\n', FILE);
    expect(config).toEqual({});
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: FILE, line: 4 });
    expect(problems[0]?.message).toMatch(/^YAML: /);
  });

  it('a label name over GitHub’s 50 characters, a section that is not a mapping, a duplicate key', () => {
    expect(parseConfig(`triage:\n  labels:\n    bug: ${'x'.repeat(51)}\n`, FILE).problems[0]).toMatchObject({ line: 3 });
    expect(parseConfig('summary: yes\n', FILE).problems[0]).toMatchObject({
      line: 1,
      column: 10,
      message: 'summary: must be a mapping of settings',
    });
    expect(parseConfig('summary: {enabled: true}\nsummary: {enabled: false}\n', FILE).problems[0]).toMatchObject({ line: 2 });
  });

  it('an empty file, or an empty section, is the defaults; priority_labels: true means the default priority labels', () => {
    expect(parseConfig('', FILE)).toEqual({ config: {}, problems: [] });
    expect(parseConfig('# nothing yet\nanalysis:\ntriage:\n', FILE)).toEqual({ config: {}, problems: [] });
    expect(mergeConfig({}, parseConfig('triage:\n  priority_labels: true\n', FILE).config).triage.priority_labels).toMatchObject({
      critical: 'priority: critical',
    });
  });
});

/** A fresh organisation with an app repository and its `.github` repository, installed. */
async function freshOrg() {
  const login = `cfg-${crypto.randomUUID().slice(0, 8)}`;
  const repositoryId = 900_000_000 + Math.floor(Math.random() * 90_000_000);
  const inst = await control<{ id: number }>('POST', '/github/installations', {
    account: { login },
    repositories: [{ id: repositoryId, full_name: `${login}/app` }, { full_name: `${login}/.github` }],
  });
  const seed = (repo: string, files: Record<string, string>, ref?: string) =>
    control('PUT', `/github/repos/${login}/${repo}/contents`, { files, ...(ref ? { ref } : {}) });
  const contentsCalls = async () => (await requestsTo({ host: 'api.github.com', path: `/repos/${login}/` })).length;
  return { login, repositoryId, gh: githubClient(env, inst.id), seed, contentsCalls };
}

const sha = () => crypto.randomUUID().replace(/-/g, '').padEnd(40, '0');

describe('loadRepoConfig', () => {
  it('no file: the defaults, one GitHub call', async () => {
    const org = await freshOrg();
    await org.seed('app', { 'README.md': '# app' });
    const loaded = await loadRepoConfig(
      org.gh,
      env.CHITTYCONNECT_KV,
      { owner: org.login, repo: 'app', repositoryId: org.repositoryId },
      sha(),
    );
    expect(loaded).toEqual({ config: DEFAULT_CONFIG, problems: [], calls: 1 });
  });

  it('extends: org reads the organisation’s file first, the repository’s settings win; the second load is cached', async () => {
    const org = await freshOrg();
    const head = sha();
    await org.seed('.github', {
      [FILE]: 'analysis:\n  fail_on: medium\n  ignore_paths: [vendor/**]\ntriage:\n  labels: { bug: defect }\n',
    });
    await org.seed('app', { [FILE]: 'extends: org\nanalysis:\n  ignore_paths: [docs/**]\ntriage:\n  labels: { feature: idea }\n' }, head);
    const repo = { owner: org.login, repo: 'app', repositoryId: org.repositoryId };
    const loaded = await loadRepoConfig(org.gh, env.CHITTYCONNECT_KV, repo, head);
    expect(loaded.problems).toEqual([]);
    expect(loaded.calls).toBe(2);
    expect(loaded.config.analysis).toMatchObject({ fail_on: 'medium', ignore_paths: ['docs/**'] });
    expect(loaded.config.triage.labels).toEqual({ bug: 'defect', feature: 'idea' });
    const before = await org.contentsCalls();
    const again = await loadRepoConfig(org.gh, env.CHITTYCONNECT_KV, repo, head);
    expect(again).toEqual({ ...loaded, calls: 0 });
    expect(await org.contentsCalls()).toBe(before); // no GitHub call at all
    expect(await env.CHITTYCONNECT_KV.get(configCacheKey(org.repositoryId, head))).not.toBeNull();
  });

  it('problems name their file: the organisation’s with its repository, the missing org file too', async () => {
    const org = await freshOrg();
    const head = sha();
    await org.seed('.github', { [FILE]: 'analysis:\n  warn_on: 3\n' });
    await org.seed('app', { [FILE]: 'extends: org\nsummary:\n  enabled: nope\n' }, head);
    const loaded = await loadRepoConfig(
      org.gh,
      env.CHITTYCONNECT_KV,
      { owner: org.login, repo: 'app', repositoryId: org.repositoryId },
      head,
    );
    expect(loaded.problems.map((p) => [p.file, p.line])).toEqual([
      [FILE, 3],
      [`${org.login}/.github:${FILE}`, 2],
    ]);
    expect(loaded.config.summary.enabled).toBe(true);

    const lonely = await freshOrg();
    const sha2 = sha();
    await lonely.seed('app', { [FILE]: 'extends: org\n' }, sha2);
    const none = await loadRepoConfig(
      lonely.gh,
      env.CHITTYCONNECT_KV,
      { owner: lonely.login, repo: 'app', repositoryId: lonely.repositoryId },
      sha2,
    );
    expect(none.problems).toEqual([
      { file: `${lonely.login}/.github:${FILE}`, line: null, column: null, message: 'extends: org, but the organisation has no such file' },
    ]);
  });

  it('the default branch (ref null) is cached under its own key, apart from any sha', async () => {
    const org = await freshOrg();
    await org.seed('app', { [FILE]: 'context: { enabled: false }\n' });
    const repo = { owner: org.login, repo: 'app', repositoryId: org.repositoryId };
    expect((await loadRepoConfig(org.gh, env.CHITTYCONNECT_KV, repo, null)).config.context.enabled).toBe(false);
    expect(await env.CHITTYCONNECT_KV.get(configCacheKey(org.repositoryId, null))).not.toBeNull();
    expect((await loadRepoConfig(org.gh, env.CHITTYCONNECT_KV, repo, null)).calls).toBe(0);
    // A branch name is not the default branch: its own key, its own read.
    await org.seed('app', { [FILE]: 'context: { enabled: true }\n' }, 'feature');
    const branch = await loadRepoConfig(org.gh, env.CHITTYCONNECT_KV, repo, 'feature');
    expect(branch).toMatchObject({ calls: 1, config: { context: { enabled: true } } });
    expect(configCacheKey(org.repositoryId, 'feature')).not.toBe(configCacheKey(org.repositoryId, null));
  });
});
