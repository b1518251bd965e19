// Tests sit beside the code they test (`*.test.ts`); suites and golden runs live in conformance/.
// Node runs the TypeScript directly (type stripping), so there is no build step before a test run.
export default {
  files: [
    'sim/**/*.test.ts',
    'cli/**/*.test.ts',
    'scenarios/**/*.test.ts',
    'conformance/**/*.test.ts',
    'perf/**/*.test.ts',
    'scripts/**/*.test.ts',
  ],
  extensions: ['ts'],
  timeout: '2m',
  // Each test file in its own process: a fatal V8 error in one (seen here now and then as
  // "Check failed: jit_page.has_value()" with many worker threads) fails that file, not the whole run.
  workerThreads: false,
};
