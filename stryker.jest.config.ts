/** @jest-config-loader-options {"transpileOnly": true, "experimentalResolver": true, "compilerOptions": {"moduleResolution": "node10"}} */
import type { Config } from 'jest';
import config from './jest.config.js';

/**
 * The jest configuration mutation testing runs: the `engine` project, narrowed to the files
 * that judge the mutated code in this process. A mutant lives only in the code jest loads, so
 * tests of child processes or of the database never run it, and starting servers for each mutant
 * would make a run last days; the PostgreSQL batch is pure and judged in process by
 * spec/unit/pg-batch.spec.ts. Files that time the engine are left out too: instrumented code is
 * several times slower. Add a spec file here when it tests one of the mutated files.
 */
const engine = config.projects?.find((project) => typeof project === 'object' && project.displayName === 'engine');
if (typeof engine !== 'object') throw new Error('jest.config.ts has no engine project');

const SPECS = [
  // The contract, on the embedded store. Its generated sequences (model, fuzz, stress) are left
  // out: each would run for every surviving mutant, and the rules they check have examples here.
  ...['checks', 'idempotency', 'rollback', 'responses', 'concurrency', 'users', 'operator'].map((name) => `contract/${name}`),
  // Rules, validation, fingerprint and registry by themselves.
  ...['admission', 'registry', 'fingerprint', 'uuid', 'retention', 'free-bet-retention', 'validation-details'].map((name) => `unit/${name}`),
  // Limits and sessions: the contract's examples and the rules by themselves.
  ...['limits', 'sessions', 'user-info'].map((name) => `contract/${name}`),
  'unit/limits-rules', 'unit/session-asks',
  // The journal's format and recovery.
  'unit/entry-lines', 'unit/journal-format', 'unit/journal-record-fields', 'unit/journal-binary', 'unit/journal-compat', 'unit/journal-compat-v2', 'faults/journal-faults',
  ...['journal', 'journal-leftovers', 'journal-lifecycle', 'journal-settings', 'journal-sync'].map((name) => `integration/journal/${name}`),
  // The PostgreSQL batch, judged without a database.
  'unit/pg-batch',
  // Signature checking.
  ...['signatures', 'signature-order', 'routes'].map((name) => `integration/http/${name}`),
  'unit/signature-header',
];

/** Tests that time the engine, left out by name: instrumented code is several times slower. */
const TIMED = ['refuses a string of 1 MiB at once'];

// No global setup: nothing here needs the PostgreSQL server it would start.
const { projects, globalSetup, globalTeardown, ...shared } = config;

const stryker: Config = {
  ...shared,
  ...engine,
  rootDir: '.',
  testMatch: SPECS.map((name) => `<rootDir>/spec/${name}.spec.ts`),
  testNamePattern: `^(?!.*(${TIMED.join('|')}))`,
};

export default stryker;
