/**
 * The changed files of what is analysed, with their patches: a pull request's files (paginated,
 * 100 a page, at most the 3000 GitHub lists) or a push's compare (`before...after`, one call;
 * GitHub's compare lists at most 300 files). Each answer says whether the list was cut short and
 * how many GitHub calls it took.
 */
import { RequestError } from '@octokit/request-error';
import type { GitHubClient } from '../client/api';
import { type ChangedFile, MAX_FILES } from './changes';

export interface ListedFiles {
  files: ChangedFile[];
  /** GitHub listed fewer files than the change has. */
  truncated: boolean;
  calls: number;
}

/** GitHub's compare answer lists at most this many files. */
const MAX_COMPARE_FILES = 300;

type ApiFile = { filename: string; status: string; additions: number; deletions: number; patch?: string; previous_filename?: string };
const toFile = (f: ApiFile): ChangedFile => ({
  filename: f.filename,
  status: f.status,
  additions: f.additions,
  deletions: f.deletions,
  patch: f.patch,
  previous_filename: f.previous_filename,
});

export async function pullRequestFiles(gh: GitHubClient, pr: { owner: string; repo: string; number: number }): Promise<ListedFiles> {
  const files: ChangedFile[] = [];
  let calls = 0;
  for await (const page of gh.paginate.iterator('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  })) {
    calls++;
    for (const f of page.data) files.push(toFile(f));
    if (files.length >= MAX_FILES) break;
  }
  return { files: files.slice(0, MAX_FILES), truncated: files.length >= MAX_FILES, calls };
}

/** GitHub cannot compare the two commits (404: `before` is gone after a force push, or unknown). */
export class NothingToCompare extends Error {}

export async function compareFiles(
  gh: GitHubClient,
  at: { owner: string; repo: string; before: string; after: string },
): Promise<ListedFiles> {
  const basehead = `${at.before}...${at.after}`;
  let data: { files?: ApiFile[] };
  try {
    ({ data } = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      owner: at.owner,
      repo: at.repo,
      basehead,
      per_page: 1, // the commits are not read; the files come whole with the first page
    }));
  } catch (err) {
    if (err instanceof RequestError && err.status === 404) throw new NothingToCompare(`GitHub cannot compare ${basehead}`);
    throw err;
  }
  const files = (data.files ?? []).map(toFile);
  return { files, truncated: files.length >= MAX_COMPARE_FILES, calls: 1 };
}
