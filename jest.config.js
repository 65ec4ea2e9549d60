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
  // Three on two cores: most test files wait (on Slack's pace, timers, child processes) more than
  // they compute, and the longest, the incident, mostly waits for 90 s. Measured on ten e2e files
  // (6 Dec 2026): 85 s with 2 workers, 61 s with 3, the same CPU time.
  maxWorkers: 3,
  // The slowest files first (test/support/testDurations.json), so none of them starts last.
  testSequencer: '<rootDir>/test/support/testSequencer.js',
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
};
