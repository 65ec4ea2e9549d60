// The tests `npm run mutation` (Stryker, stryker.config.mjs) runs against each mutant of the billing
// rules: the pure unit tests that cover src/domain's billing, periods, money, duration and ledger.
// They need no MongoDB or Redis, so there is no globalSetup, and no summary reporter. Tests of other
// modules that only reach these through their callers (helpCommand, adminCommand) are left out: a
// rule is proved by its own tests, and their describe-level set-up would make every mutant they
// reach "static" (run against every test).
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  // Plain Node: Stryker's jest runner wraps the environment and cannot resolve jest.config.js's
  // `<rootDir>/test/support/testEnvironment.js` (which only keeps app logs for failing tests).
  testEnvironment: 'node',
  transform: base.transform,
  roots: ['<rootDir>/test/unit'],
  testMatch: [
    '**/billing*.test.ts',
    '**/period*.test.ts',
    '**/money.test.ts',
    '**/duration*.test.ts',
    '**/ledger*.test.ts',
    '**/domain.test.ts',
  ],
  setupFiles: ['<rootDir>/test/support/mutationSetup.ts'],
  testTimeout: base.testTimeout,
  maxWorkers: 1,
};
