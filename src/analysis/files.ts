/**
 * Which files are analysed, and as what: the language of a path, and the files skipped because
 * reading them would only add noise (lock files, generated and vendored code, binaries, minified
 * bundles) — each skip has a reason the output states.
 */
import type { FileDiff, Language, SkippedFile } from './types';

const EXTENSIONS: Record<string, Language> = {
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  py: 'python',
  pyw: 'python',
  go: 'go',
  java: 'java',
  rb: 'ruby',
  rake: 'ruby',
  gemspec: 'ruby',
  yml: 'yaml',
  yaml: 'yaml',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
};

const RUBY_NAMES = new Set(['Rakefile', 'Gemfile', 'Guardfile', 'Capfile', 'Vagrantfile']);

/** The language of a path, from its name; `.github/workflows/*.yml` is a workflow. */
export function languageOf(path: string): Language | null {
  if (/(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/i.test(path)) return 'workflow';
  if (/(^|\/)action\.ya?ml$/i.test(path)) return 'workflow'; // a composite action's steps run like a workflow's
  const name = path.split('/').pop() ?? path;
  if (RUBY_NAMES.has(name)) return 'ruby';
  const dot = name.lastIndexOf('.');
  if (dot < 0) return null;
  return EXTENSIONS[name.slice(dot + 1).toLowerCase()] ?? null;
}

/** Tests, fixtures, examples, mocks and docs samples: secrets there are usually fake. */
export function isTestPath(path: string): boolean {
  return (
    /(^|\/)(tests?|__tests__|specs?|fixtures?|__fixtures__|testdata|test-data|mocks?|__mocks__|examples?|samples?|demo|e2e|cypress|spec_helper)(\/|$)/i.test(
      path,
    ) ||
    /(^|[/._-])(test|tests|spec|specs|mock|mocks|fixture|fixtures|fake|stub|example|sample)[._-][^/]*$/i.test(path) ||
    /_test\.(go|py|rb)$|(^|\/)test_[^/]+\.py$|Tests?\.java$|IT\.java$|_spec\.rb$|\.(test|spec)\.[cm]?[jt]sx?$/i.test(path)
  );
}

const LOCKFILES =
  /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|Cargo\.lock|go\.sum|poetry\.lock|Pipfile\.lock|uv\.lock|Gemfile\.lock|composer\.lock|packages\.lock\.json|gradle\.lockfile|flake\.lock|mix\.lock|pubspec\.lock|Podfile\.lock)$/;
const VENDORED = /(^|\/)(node_modules|vendor|vendors|third[_-]party|bower_components|\.yarn|Pods|site-packages|external)\//;
const GENERATED_PATH =
  /(^|\/)(dist|build|out|coverage|\.next|\.nuxt|__generated__|generated|gen)\/|\.min\.(js|css)$|\.map$|\.bundle\.js$|\.pb\.go$|_pb2(_grpc)?\.pyi?$|\.pb\.(cc|h)$|\.g\.dart$|\.designer\.cs$|\.generated\.[a-z]+$|(^|\/)__snapshots__\/|\.snap$/;
const BINARY =
  /\.(png|jpe?g|gif|bmp|ico|webp|avif|tiff?|psd|pdf|zip|gz|tgz|bz2|xz|7z|rar|jar|war|ear|class|so|dylib|dll|exe|bin|o|a|wasm|woff2?|ttf|otf|eot|mp[34]|mov|avi|webm|ogg|wav|flac|sqlite|db|pyc|pyo)$/i;
/** Markers tools put at the top of what they generate. */
const GENERATED_MARKER =
  /@generated|Code generated .* DO NOT EDIT|DO NOT EDIT[.!]? *(this file|THIS FILE)?.*generated|auto-?generated (file|code|by)/i;

/** Why a file is not analysed, or null when it is. */
export function skipReason(file: FileDiff, maxAddedLines: number): SkippedFile['reason'] | null {
  if (file.status === 'removed') return 'removed';
  if (file.binary || BINARY.test(file.path)) return 'binary';
  if (LOCKFILES.test(file.path)) return 'lockfile';
  if (VENDORED.test(file.path)) return 'vendored';
  if (GENERATED_PATH.test(file.path)) return 'generated';
  const firstLines = file.hunks[0]?.lines.slice(0, 8) ?? [];
  if (file.hunks[0]?.newStart === 1 && firstLines.some((l) => l.kind !== 'del' && GENERATED_MARKER.test(l.text))) return 'generated';
  let added = 0;
  let longest = 0;
  for (const h of file.hunks)
    for (const l of h.lines)
      if (l.kind === 'add') {
        added++;
        if (l.text.length > longest) longest = l.text.length;
      }
  if (added > maxAddedLines) return 'too-large';
  // One enormous line is minified or embedded data, not code someone wrote.
  if (longest > 20_000) return 'generated';
  return null;
}
