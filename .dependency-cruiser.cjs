/**
 * The architecture's rules, checked by `npm run lint` (dependency-cruiser). Paths are resolved, so a
 * rule holds whether an import is written relative or through a workspace package. Type-only imports
 * count: a cycle through types is still a cycle for the next reader.
 */
const features = '(device-registry|destinations|merge-review|service-catalog|webhooks)';
const domain = '^packages/domain/src/';
const api = '^apps/api/src/';
const console_ = '^apps/console/src/';
const consoleFeatures = '(sign-in|imports|jobs|merge-review|service-catalog|destinations|queues)';
/** Files that must stay pure: rules, the CSV text codecs, and the platform's pure helpers. */
const pure = `${domain}([a-z-]+/[a-z-]*rules|csv/(records|fields|write)|platform/(errors|formats))\\.ts$`;
/** The public surface of a workspace: what may be imported from outside it. */
/** `platform/field-rules.ts` too: the rule codes a console translates, without loading the platform. */
const entries = `${domain}[^/]+/index\\.ts$|${domain}(job-catalog|development-identity)\\.ts$|${domain}platform/field-rules\\.ts$|^apps/worker/src/index\\.ts$`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No module may depend on itself through others, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'features-stay-apart',
      comment: 'A feature may use platform, engine, identity and csv (and, in the api, platform, graphql and jobs), never another feature.',
      severity: 'error',
      from: { path: `^(?:packages/domain|apps/api)/src/${features}/` },
      to: { path: `^(?:packages/domain|apps/api)/src/${features}/`, pathNot: '^(?:packages/domain|apps/api)/src/$1/' },
    },
    {
      name: 'shared-modules-know-no-feature',
      comment: 'platform, engine, identity and csv (domain) and platform, graphql and jobs (api) import no feature.',
      severity: 'error',
      from: { path: `${domain}(platform|engine|identity|csv)/|${api}(platform|graphql|jobs)/` },
      to: { path: `^(?:packages/domain|apps/api)/src/${features}/` },
    },
    {
      name: 'domain-layers',
      comment: 'platform is the base; identity builds on it; engine on both; csv on all three.',
      severity: 'error',
      from: { path: `${domain}platform/` },
      to: { path: `${domain}(engine|identity|csv)/|${domain}job-catalog\\.ts$` },
    },
    {
      name: 'identity-below-engine',
      severity: 'error',
      from: { path: `${domain}identity/` },
      to: { path: `${domain}(engine|csv)/` },
    },
    {
      name: 'engine-below-csv',
      severity: 'error',
      from: { path: `${domain}engine/` },
      to: { path: `${domain}csv/` },
    },
    {
      name: 'graphql-framework-knows-no-jobs',
      comment: 'The GraphQL framework (schema assembly, relay, scalars, limits, error model) serves every module alike.',
      severity: 'error',
      from: { path: `${api}graphql/` },
      to: { path: `${api}jobs/|${domain}job-catalog\\.ts$` },
    },
    {
      name: 'api-platform-below-graphql',
      severity: 'error',
      from: { path: `${api}platform/` },
      to: { path: `${api}(graphql|jobs)/` },
    },
    {
      name: 'rules-are-pure',
      comment: 'Rule files import no I/O: only other pure files, zod and csv-parse.',
      severity: 'error',
      from: { path: pure },
      to: { pathNot: [pure, 'node_modules/(zod|csv-parse)/'] },
    },
    {
      name: 'modules-meet-at-their-entry',
      comment: 'Inside the domain package a module reaches another only through its index.ts, or a pure file directly (an index would load the module\'s I/O with it).',
      severity: 'error',
      from: { path: `${domain}([^/]+)/` },
      to: { path: domain, pathNot: [`${domain}$1/`, `${domain}[^/]+/index\\.ts$`, pure] },
    },
    {
      name: 'catalog-meets-features-at-their-entry',
      severity: 'error',
      from: { path: `${domain}[^/]+\\.ts$` },
      to: { path: `${domain}[^/]+/`, pathNot: `${domain}[^/]+/index\\.ts$` },
    },
    {
      name: 'console-features-stay-apart',
      comment: 'A console page folder uses platform/, never another page folder; only routes.ts and app.tsx list them all.',
      severity: 'error',
      from: { path: `${console_}${consoleFeatures}/` },
      to: { path: `${console_}${consoleFeatures}/`, pathNot: `${console_}$1/` },
    },
    {
      name: 'console-platform-knows-no-page',
      severity: 'error',
      from: { path: `${console_}platform/` },
      to: { path: `${console_}${consoleFeatures}/` },
    },
    {
      name: 'console-talks-to-the-api-over-http',
      comment: 'The console is a client of the public APIs: it imports no server workspace.',
      severity: 'error',
      // Its browser tests are not the console: they seed the database and start the api they drive.
      from: { path: '^apps/console/', pathNot: '^apps/console/test/' },
      to: { path: '^(packages|apps/(api|worker))/' },
    },
    {
      name: 'apps-stay-apart',
      comment: 'The api and the worker never import each other.',
      severity: 'error',
      from: { path: '^apps/(api|worker)/' },
      to: { path: '^apps/(api|worker)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'public-entries-only',
      comment: 'Apps, scripts, benchmarks and cross-cutting tests use another workspace through its public entries.',
      severity: 'error',
      from: { path: '^(apps/[^/]+|scripts|bench|test)/' },
      to: { path: '^(packages/domain|apps/worker)/src/', pathNot: [entries, '^$1/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
