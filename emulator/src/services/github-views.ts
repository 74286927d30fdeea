/**
 * The JSON shapes of the emulated GitHub API: the App, installations, repositories, issue
 * comments, labels and check runs, built from stored rows. Only the fields ChittyConnect might
 * read are filled in, with GitHub's names and types (numbers stay numbers, times to the second).
 */

import { fnv1a } from './github-files';
import { API_ORIGIN, ghTime } from './github-http';
import type { Label } from './github-intel-store';
import { type CheckRunRow, type CommentRow, type Installation, type Repository, SEED_INSTALLATION } from './github-store';

export const APP_SLUG = 'chittyconnect-dev';
export const APP_NAME = 'ChittyConnect (dev)';
/** The App's bot user, author of everything it posts. */
export const BOT_USER = { login: `${APP_SLUG}[bot]`, id: 200001, node_id: 'BOT_kgDOAAMNQQ', type: 'Bot' } as const;
const SUSPENDED_BY = { login: 'chitty-admin', id: 90000, type: 'User' } as const;

const nodeId = (kind: string, id: number) => btoa(`0:${kind}${id}`).replace(/=+$/, '');

export function appJson(appId: string): Record<string, unknown> {
  return {
    id: Number(appId),
    slug: APP_SLUG,
    node_id: nodeId('Integration', Number(appId)),
    name: APP_NAME,
    description: 'ChittyConnect, emulated locally',
    owner: { login: SEED_INSTALLATION.accountLogin, id: SEED_INSTALLATION.accountId, type: SEED_INSTALLATION.accountType },
    external_url: 'http://localhost:8787',
    html_url: `https://github.com/apps/${APP_SLUG}`,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    permissions: SEED_INSTALLATION.permissions,
    events: SEED_INSTALLATION.events,
  };
}

export function installationJson(inst: Installation, appId: string): Record<string, unknown> {
  return {
    id: inst.id,
    app_id: Number(appId),
    app_slug: APP_SLUG,
    account: {
      login: inst.accountLogin,
      id: inst.accountId,
      type: inst.accountType,
      avatar_url: `https://avatars.githubusercontent.com/u/${inst.accountId}`,
      html_url: `https://github.com/${inst.accountLogin}`,
    },
    target_id: inst.accountId,
    target_type: inst.accountType,
    repository_selection: inst.repositorySelection,
    access_tokens_url: `${API_ORIGIN}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${API_ORIGIN}/installation/repositories`,
    html_url: `https://github.com/organizations/${inst.accountLogin}/settings/installations/${inst.id}`,
    permissions: inst.permissions,
    events: inst.events,
    created_at: ghTime(inst.createdAt),
    updated_at: ghTime(inst.updatedAt),
    suspended_at: inst.suspendedAt === null ? null : ghTime(inst.suspendedAt),
    suspended_by: inst.suspendedAt === null ? null : SUSPENDED_BY,
    single_file_name: null,
  };
}

export function repositoryJson(repo: Repository, inst: Installation): Record<string, unknown> {
  const [owner = '', name = ''] = repo.fullName.split('/');
  const ownedByAccount = owner.toLowerCase() === inst.accountLogin.toLowerCase();
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name,
    full_name: repo.fullName,
    private: false,
    owner: ownedByAccount ? { login: inst.accountLogin, id: inst.accountId, type: inst.accountType } : { login: owner, type: 'User' },
    html_url: `https://github.com/${repo.fullName}`,
    url: `${API_ORIGIN}/repos/${repo.fullName}`,
    default_branch: 'main',
  };
}

export function userJson(login: string): Record<string, unknown> {
  return { login, id: 50000 + (fnv1a(login.toLowerCase()) % 1_000_000), type: 'User', site_admin: false };
}

export function commentJson(row: CommentRow): Record<string, unknown> {
  return {
    id: row.id,
    node_id: `IC_${nodeId('IssueComment', row.id)}`,
    url: `${API_ORIGIN}/repos/${row.full_name}/issues/comments/${row.id}`,
    html_url: `https://github.com/${row.full_name}/issues/${row.issue_number}#issuecomment-${row.id}`,
    issue_url: `${API_ORIGIN}/repos/${row.full_name}/issues/${row.issue_number}`,
    body: row.body,
    user: BOT_USER,
    created_at: ghTime(row.created_at),
    updated_at: ghTime(row.updated_at),
    author_association: 'NONE',
    performed_via_github_app: { slug: APP_SLUG, name: APP_NAME },
  };
}

export function labelJson(fullName: string, label: Label): Record<string, unknown> {
  return {
    id: label.id,
    node_id: `LA_${nodeId('Label', label.id)}`,
    url: `${API_ORIGIN}/repos/${fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description,
  };
}

export function checkRunJson(row: CheckRunRow, annotationsCount = 0): Record<string, unknown> {
  const output = JSON.parse(row.output) as Record<string, unknown>;
  return {
    id: row.id,
    node_id: `CR_${nodeId('CheckRun', row.id)}`,
    name: row.name,
    head_sha: row.head_sha,
    external_id: row.external_id,
    url: `${API_ORIGIN}/repos/${row.full_name}/check-runs/${row.id}`,
    html_url: `https://github.com/${row.full_name}/runs/${row.id}`,
    details_url: row.details_url,
    status: row.status,
    conclusion: row.conclusion,
    started_at: ghTime(row.started_at),
    completed_at: row.completed_at === null ? null : ghTime(row.completed_at),
    output: {
      title: output.title ?? null,
      summary: output.summary ?? null,
      text: output.text ?? null,
      annotations_count: annotationsCount,
      annotations_url: `${API_ORIGIN}/repos/${row.full_name}/check-runs/${row.id}/annotations`,
    },
    app: { slug: APP_SLUG, name: APP_NAME },
    pull_requests: [],
  };
}
