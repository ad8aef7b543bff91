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
};

export default config;
