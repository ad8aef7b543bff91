import type { Config } from 'jest';

/** What every project shares: TypeScript through ts-jest, as ES modules. */
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  // Sources import each other with NodeNext `.js` specifiers; map them back to the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
} satisfies Config;

/**
 * The contract: one describe per rule, the model-based sequences and the fuzz test, run on every
 * store. Every file in spec/contract/ is part of it.
 */
const CONTRACT = ['<rootDir>/spec/contract/**/*.spec.ts'];

const config: Config = {
  // Property tests run hundreds of generated sequences in one test.
  testTimeout: 120_000,
  // One throwaway PostgreSQL server for the run (or EXWALLET_TEST_DATABASE_URL's); see test-support/postgres.ts.
  globalSetup: '<rootDir>/spec/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/spec/support/jest-global-teardown.ts',
  projects: [
    { ...common, displayName: 'engine', testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'journal',
      testMatch: CONTRACT,
      // Read by spec/support/stores.ts: the same files, on the embedded store with a journal.
      globals: { EXWALLET_STORE: 'journal' },
    },
    {
      ...common,
      displayName: 'postgres',
      testMatch: CONTRACT,
      // Read by spec/support/stores.ts: the same files, on the PostgreSQL store.
      globals: { EXWALLET_STORE: 'postgres' },
    },
  ],
};

export default config;
