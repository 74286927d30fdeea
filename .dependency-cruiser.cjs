/**
 * The layers of src/, checked by dependency-cruiser (`npm run deps`). Read top to bottom, this is
 * the architecture's table of contents (docs/architecture.md draws it):
 *
 *   entry     src/index.ts, src/app.ts          compose everything; nothing imports them
 *   features  actors keys delegation contexts connections github tracking admin docs health dev (mcp console …)
 *             a feature uses another only through its service, never its store.ts
 *   auth      src/auth/                         the middleware, one resolver per credential kind, the gate
 *   platform  queue ecosystem db http crypto    plumbing that names no feature (http: leaf helpers only)
 *   analysis  src/analysis/                     the pure analysis engine and issue classifier: diff
 *                                               or issue text in, findings out; no I/O, no bindings
 *   base      lib/ config.ts env.ts version.ts  pure helpers and the parsed vars
 *
 * An import never points up a layer, and folders never form a cycle. `emulator/` is a separate
 * worker standing in for the outside world and never imports src/.
 */

const FEATURES = [
  'actors',
  'keys',
  'delegation',
  'contexts',
  'connections',
  'github',
  'tracking',
  'admin',
  'docs',
  'health',
  'dev',
  'mcp',
  'console',
];
const feature = `^src/(${FEATURES.join('|')})/`;
const entry = '^src/(index|app)\\.ts$';
const auth = '^src/auth/';
const platform = '^src/(queue|ecosystem|db|http|crypto)/';
const base = '^src/(lib/|config\\.ts$|env\\.ts$|version\\.ts$|types\\.d\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-import-of-entry',
      comment: 'index.ts and app.ts compose the worker; nothing imports them (tests aside).',
      severity: 'error',
      from: { path: '^src/', pathNot: entry },
      to: { path: entry },
    },
    {
      name: 'auth-not-to-features',
      comment: 'auth/ sits below the features: it may use platform and base, never a feature.',
      severity: 'error',
      from: { path: auth },
      to: { path: feature },
    },
    {
      name: 'platform-not-up',
      comment:
        'queue/, ecosystem/, db/ and http/ are plumbing: they name no feature and no auth code. ' +
        'Consumers, dead-letter hooks and routes are composed in index.ts/app.ts instead.',
      severity: 'error',
      from: { path: platform },
      to: { path: `${feature}|${auth}` },
    },
    {
      name: 'base-not-up',
      comment: 'lib/, config.ts, env.ts and version.ts import nothing of ours above them (type-only imports of bindings aside).',
      severity: 'error',
      from: { path: base },
      to: { path: '^src/', pathNot: base, dependencyTypesNot: ['type-only', 'type-import'] },
    },
    {
      name: 'no-foreign-store',
      comment:
        "A feature's store.ts (its SQL) is used only inside that feature; others go through its service. " +
        "(Refined from any folder's store to a feature's: a platform store such as queue/store.ts — the outbox, " +
        'processed_events, dead_letters — is plumbing every feature may call, as the issue puts the GitHub ' +
        "routes' dead-letter UPDATE there; a feature's tables stay behind its service.)",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: `^src/(${FEATURES.join('|')})/store(\\.ts$|/)`, pathNot: '^src/$1/' },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders under src/ never depend on each other in a circle.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'Nor do modules.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'analysis-is-pure',
      comment:
        'src/analysis/ is a pure engine (also run by `npm run analyze` / `npm run triage` in Node): it imports ' +
        'only itself, src/lib/, src/version.ts and npm packages — never a feature, auth, platform code or the bindings.',
      severity: 'error',
      from: { path: '^src/analysis/' },
      to: { path: '^src/', pathNot: '^src/(analysis|lib)/|^src/version\\.ts$' },
    },
    {
      name: 'analysis-not-up',
      comment: 'The engine sits below features: only features (github, mcp, console …) and entry use it.',
      severity: 'error',
      from: { path: `${auth}|${platform}|${base}` },
      to: { path: '^src/analysis/' },
    },
    {
      name: 'emulator-not-to-src',
      comment: 'The emulator is the outside world: it shares no code with the worker it stands in for.',
      severity: 'error',
      from: { path: '^emulator/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    // Type-only imports count: a type drags its module's folder into the graph just the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
