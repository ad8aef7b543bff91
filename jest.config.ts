import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  // Property tests run hundreds of generated sequences in one test.
  testTimeout: 120_000,
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  // Sources import each other with NodeNext `.js` specifiers; map them back to the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // One throwaway PostgreSQL server for the run (or EXWALLET_TEST_DATABASE_URL's); see spec/support/postgres.ts.
  globalSetup: '<rootDir>/spec/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/spec/support/jest-global-teardown.ts',
};

export default config;
