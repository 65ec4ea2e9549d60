// Type checking runs once before jest (see scripts/test.sh); ts-jest only transpiles (isolatedModules).
/** @type {import('jest').Config} */
module.exports = {
  // Node, keeping the app's log lines and printing them only when a test fails (test/support/testLogs.ts).
  testEnvironment: '<rootDir>/test/support/testEnvironment.js',
  setupFilesAfterEnv: ['<rootDir>/test/support/testLogs.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 30000,
  // Four on two cores: most test files wait (on Slack's pace, timers, child processes) more than
  // they compute. Whole suite, quiet machine (7 Dec 2026): 163 s with 3 workers, 132 s with 4,
  // 113-118 s with 5 (CPU-bound there, and timing-sensitive tests closer to their limits).
  maxWorkers: 4,
  // The slowest files first (test/support/testDurations.json), so none of them starts last.
  testSequencer: '<rootDir>/test/support/testSequencer.js',
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
};
