// Run before each test file (jest setupFilesAfterEnv): the app's log lines go to the test
// environment (testEnvironment.js), which prints them only if a test fails, and warnings and
// errors are kept unless TEST_LOG_LEVEL says otherwise (e.g. TEST_LOG_LEVEL=debug). Nothing is
// written to the output of a passing run.
import { setLogLevel, setLogSink, type LogSink } from '../../src/logger';

declare global {
  var __testLogSink: LogSink | undefined;
}

setLogSink(globalThis.__testLogSink);
setLogLevel(process.env.TEST_LOG_LEVEL ?? 'warn');
