// Import rules of the codebase (`npm run check:deps`, run by .ci/run). The floors, from the
// bottom: client-sdk stands alone; ingest and server meet only on the shared floor
// (server/src/shared/: protocol types, inbound filters, outcomes, job contracts, the logger),
// which imports nothing else of either; the UI sees the server only through its API types.
// test/repo/import-rules.test.ts proves each rule reports a violation.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split the shared part into a module both sides import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'server-not-to-ingest',
      severity: 'error',
      comment: 'server/ must not import ingest/ (the entrypoint main.ts composes the roles).',
      from: { path: '^server/src', pathNot: '^server/src/main\\.ts$' },
      to: { path: '^ingest/src' },
    },
    {
      name: 'ingest-not-to-server',
      severity: 'error',
      comment: 'ingest/ imports of server/ only the shared floor server/src/shared/: what both need belongs there.',
      from: { path: '^ingest/src' },
      to: { path: '^server/src', pathNot: '^server/src/shared/' },
    },
    {
      name: 'shared-stays-shared',
      severity: 'error',
      comment:
        'The shared floor (server/src/shared/) imports nothing of the rest of server/ nor of ingest/: both import it.',
      from: { path: '^server/src/shared/' },
      to: { path: '^(server/src|ingest/src)', pathNot: '^server/src/shared/' },
    },
    {
      name: 'ui-only-api-types',
      severity: 'error',
      comment: 'The UI sees the server only through its API response types (type-only imports).',
      from: { path: '^ui/src' },
      to: { path: '^(server|ingest)/src', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sdk-stands-alone',
      severity: 'error',
      comment: 'client-sdk is published on its own: it imports nothing of the server or ingest.',
      from: { path: '^client-sdk/src' },
      to: { path: '^(server|ingest|ui)/' },
    },
    {
      name: 'no-tests-in-production',
      severity: 'error',
      comment: 'Production code never imports test helpers or benchmarks.',
      from: { path: '^(server|ingest|client-sdk|ui)/src' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    skipAnalysisNotInRules: true,
  },
};
