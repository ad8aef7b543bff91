// Mutation testing of the files where a bug costs money: `npm run test:mutation`.
// Surviving mutants judged equivalent are listed, with why, in stryker-survivors.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'lib/rules.ts',
    'lib/validation.ts',
    'lib/fingerprint.ts',
    'lib/registry.ts',
    'lib/limits.ts',
    'lib/sessions.ts',
    'lib/journal/format.ts',
    'lib/journal/binary.ts',
    'lib/journal/records.ts',
    'lib/journal/store.ts',
    'lib/pg/batch.ts',
    'lib/http/signature.ts',
  ],
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'stryker.jest.config.ts', enableFindRelatedTests: false },
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // Static mutants (constants read at load time) would rerun every test each; they are counted as ignored.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  // A mutant that loops is cut off this long past the time its tests took unmutated.
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress-append-only', 'html'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
