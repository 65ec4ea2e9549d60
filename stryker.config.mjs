// `npm run mutation` (scripts/mutation.sh): StrykerJS mutation testing of the billing rules. Each
// mutant (a small change to the code: a flipped comparison, a removed branch, an emptied string) is
// type-checked, then the unit tests that cover it run against it; a mutant no test notices is a gap
// in the proof, or an equivalent change listed in the README ("Mutation testing"). Not part of
// `npm test`. Reports go to reports/mutation/ (gitignored).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/domain/billing.ts',
    'src/domain/billingLines.ts',
    'src/domain/periods.ts',
    'src/domain/money.ts',
    'src/domain/duration.ts',
    'src/domain/ledger.ts',
  ],
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js' },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  concurrency: 2,
  timeoutMS: 10000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Incremental: a rerun tests again only the mutants whose code or covering tests changed;
  // `npm run mutation -- --force` tests every mutant.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['dist', 'coverage', 'reports', '.demo', '.bench', 'export-*', 'scripts/mongo-test-server/lib', '*.log'],
};
