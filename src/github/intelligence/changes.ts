/**
 * What a change touches and why it matters, from file names and counts alone (no content): risk
 * flags (large change, workflows, dependencies, migrations, secret-looking files, code without
 * tests), the areas touched (top-level directories, or `packages/x` in a monorepo) and the risky
 * files behind the flags. The analysis engine looks at the content; this is the part a reviewer
 * reads first.
 */

export interface ChangedFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  /** The unified diff GitHub sends (absent for binaries and diffs too large to show). */
  patch?: string | undefined;
  previous_filename?: string | undefined;
}

/** GitHub lists at most 3000 files for a pull request (and 300 for a compare). */
export const MAX_FILES = 3000;

export type RiskFlag =
  | 'large-change'
  | 'many-files'
  | 'workflows'
  | 'dependencies'
  | 'migrations'
  | 'config'
  | 'secrets'
  | 'no-tests'
  | 'truncated';

export const FLAG_TEXT: Record<RiskFlag, string> = {
  'large-change': 'large change (over 800 lines)',
  'many-files': 'many files (over 40)',
  workflows: 'CI workflows changed',
  dependencies: 'dependencies changed',
  migrations: 'database migrations changed',
  config: 'deployment or repository configuration changed',
  secrets: 'files that look like secrets or keys',
  'no-tests': 'code changed without test changes',
  truncated: 'more files than GitHub lists; only the listed ones were read',
};

const CODE = /\.(ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|rb|php|cs|swift|c|cc|cpp|h)$/i;
const TEST = /(^|\/)(test|tests|__tests__|spec)\/|\.(test|spec)\.[a-z]+$|_test\.go$/i;
/** Which flag a file raises by its name alone (the first that applies). */
const RISKY: [Exclude<RiskFlag, 'large-change' | 'many-files' | 'no-tests' | 'truncated'>, RegExp][] = [
  ['workflows', /^\.github\/workflows\//],
  [
    'dependencies',
    /(^|\/)(package(-lock)?\.json|pnpm-lock\.yaml|yarn\.lock|Cargo\.(toml|lock)|go\.(mod|sum)|requirements[^/]*\.txt|poetry\.lock|Pipfile(\.lock)?|Gemfile(\.lock)?|pom\.xml|build\.gradle(\.kts)?)$/,
  ],
  ['migrations', /(^|\/)migrations?\/|\.sql$/],
  [
    'config',
    /(^|\/)(Dockerfile[^/]*|docker-compose[^/]*\.ya?ml|compose\.ya?ml|wrangler\.(toml|jsonc?)|Procfile|[^/]+\.tf|CODEOWNERS|chittyconnect\.ya?ml|dependabot\.ya?ml)$|(^|\/)(helm|k8s|kubernetes|terraform|deploy)\//,
  ],
  ['secrets', /(^|\/)\.env(\.|$)|\.(pem|key|p12|pfx)$|(^|\/)[^/]*(secret|credential)[^/]*$/i],
];
/** Folders whose children are the real units of a monorepo. */
const CONTAINERS = new Set(['packages', 'apps', 'services', 'libs', 'crates', 'modules', 'plugins', 'cmd']);

export interface Summary {
  files: number;
  additions: number;
  deletions: number;
  flags: RiskFlag[];
  /** Areas touched, most files first: `src`, `packages/api`, `(root)`. */
  areas: { area: string; files: number }[];
  /** Files behind the name-based flags. */
  risky: { path: string; flag: RiskFlag }[];
}

function areaOf(path: string): string {
  const parts = path.split('/');
  if (parts.length === 1) return '(root)';
  const [first = '', second] = parts;
  return CONTAINERS.has(first) && second !== undefined && parts.length > 2 ? `${first}/${second}` : first;
}

/** The summary of a list of changed files. `truncated`: GitHub listed fewer than there are. */
export function assess(files: readonly ChangedFile[], truncated = files.length >= MAX_FILES): Summary {
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  const names = files.map((f) => f.filename);
  const risky: Summary['risky'] = [];
  for (const name of names) {
    const hit = RISKY.find(([, re]) => re.test(name));
    if (hit) risky.push({ path: name, flag: hit[0] });
  }
  const flags: RiskFlag[] = [];
  if (additions + deletions > 800) flags.push('large-change');
  if (files.length > 40) flags.push('many-files');
  for (const [flag] of RISKY) if (risky.some((r) => r.flag === flag)) flags.push(flag);
  if (names.some((n) => CODE.test(n) && !TEST.test(n)) && !names.some((n) => TEST.test(n))) flags.push('no-tests');
  if (truncated) flags.push('truncated');
  const areas = new Map<string, number>();
  for (const name of names) areas.set(areaOf(name), (areas.get(areaOf(name)) ?? 0) + 1);
  return {
    files: files.length,
    additions,
    deletions,
    flags,
    areas: [...areas].map(([area, n]) => ({ area, files: n })).sort((a, b) => b.files - a.files || a.area.localeCompare(b.area)),
    risky,
  };
}
