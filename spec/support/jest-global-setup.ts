import type { GlobalConfig } from 'jest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type * as Harness from '../../test-support/postgres.js';

/** Where the teardown finds the server: global setup and teardown share one global scope. */
const SERVER_KEY = '__exwalletTestPostgres';

/**
 * Starts one throwaway PostgreSQL server for the whole run, unless EXWALLET_TEST_DATABASE_URL
 * already names one. Its URL goes into process.env, which the test workers, forked afterwards,
 * inherit; test files take their own databases from it with `freshDatabase()`.
 */
export default async function globalSetup(global: GlobalConfig): Promise<void> {
  if (process.env.EXWALLET_TEST_DATABASE_URL) return;
  // Jest loads this file as CommonJS, where `../../test-support/postgres.js` does not resolve to
  // the TypeScript source; tsx imports it the way the test files see it.
  const source = pathToFileURL(join(global.rootDir, 'test-support/postgres.ts')).href;
  const harness = (await tsImport(source, source)) as typeof Harness;
  // Nothing crashes this server (tests that kill servers start their own), so it needs no fsync.
  const server = await harness.startPostgres({ settings: { fsync: 'off' } });
  process.env.EXWALLET_TEST_DATABASE_URL = server.url;
  // Servers the tests start copy this cluster instead of running initdb each.
  process.env.EXWALLET_PG_TEMPLATE = await harness.clusterTemplate();
  Object.assign(globalThis, { [SERVER_KEY]: server });
}
