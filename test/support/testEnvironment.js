// jest's Node environment, plus: the app's log lines of a test file are kept (test/support/
// testLogs.ts points the logger here) and printed only when a test fails: those logged since the
// previous test ended (its beforeAll/beforeEach included), or all of them when a hook fails.
const { TestEnvironment } = require('jest-environment-node');

/** Only the last lines are kept: enough to see what led to a failure. */
const KEEP = 2000;

class TestEnvironmentWithLogs extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.lines = [];
    this.from = 0;
    this.dropped = 0;
    this.global.__testLogSink = {
      write: (line) => {
        this.lines.push(String(line).trimEnd());
        if (this.lines.length > KEEP) {
          this.lines.shift();
          this.dropped++;
          this.from = Math.max(0, this.from - 1);
        }
      },
    };
  }

  print(title, from) {
    const lines = this.lines.slice(from);
    if (lines.length === 0) return;
    const dropped = from === 0 && this.dropped > 0 ? ` (the first ${this.dropped} not kept)` : '';
    process.stderr.write(`\n── app logs before "${title}" failed${dropped} ──\n${lines.join('\n')}\n── end of app logs ──\n`);
  }

  handleTestEvent(event) {
    if (event.name === 'test_done') {
      if (event.test.errors.length > 0) this.print(event.test.name, this.from);
      this.from = this.lines.length;
    } else if (event.name === 'hook_failure') {
      this.print(`${event.hook.type} hook`, 0);
    }
  }
}

module.exports = TestEnvironmentWithLogs;
