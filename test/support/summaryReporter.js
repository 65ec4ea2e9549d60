// Prints the plain closing line "N passed, N failed" that CI reads, after jest's own summary.
// With RECORD_TEST_DURATIONS=1 it also writes how long each file that ran took (seconds) into
// test/support/testDurations.json, which the sequencer (testSequencer.js) reads to start the
// slowest files first.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const DURATIONS = path.join(__dirname, 'testDurations.json');

function recordDurations(results) {
  const durations = JSON.parse(fs.readFileSync(DURATIONS, 'utf8'));
  for (const file of results.testResults) {
    const { start, end } = file.perfStats;
    if (file.testExecError || !(end > start)) continue;
    durations[path.relative(ROOT, file.testFilePath).split(path.sep).join('/')] = Math.round((end - start) / 100) / 10;
  }
  const sorted = Object.entries(durations).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  fs.writeFileSync(DURATIONS, `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`);
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    const failed = results.numFailedTests + (failedSuites > 0 && results.numFailedTests === 0 ? failedSuites : 0);
    if (['1', 'true', 'yes'].includes(process.env.RECORD_TEST_DURATIONS ?? '')) recordDurations(results);
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
