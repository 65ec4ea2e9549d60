// Starts the slowest test files first, so that the long ones (the incident, the outage, the demo)
// do not start last and leave one worker running alone at the end. How long each file took is
// recorded in test/support/testDurations.json (`RECORD_TEST_DURATIONS=1 npm test` rewrites the
// files it ran). A file not listed there yet (a new one) counts as UNKNOWN_SECONDS unless jest's
// own cache of the previous run on this machine knows better; ties keep jest's order (bigger first).
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const recorded = require('./testDurations.json');

const ROOT = path.join(__dirname, '..', '..');
/** About a typical end-to-end file: a new file starts before the quick unit tests, after the known slow ones. */
const UNKNOWN_SECONDS = 8;

class SlowestFirstSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const seconds = (test) => {
      const listed = recorded[path.relative(ROOT, test.path).split(path.sep).join('/')];
      if (typeof listed === 'number') return listed;
      return typeof test.duration === 'number' && test.duration > 0 ? test.duration / 1000 : UNKNOWN_SECONDS;
    };
    const rank = new Map(ordered.map((test, i) => [test, i]));
    return [...ordered].sort((a, b) => seconds(b) - seconds(a) || rank.get(a) - rank.get(b));
  }
}

module.exports = SlowestFirstSequencer;
