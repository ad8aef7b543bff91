/** The PostgreSQL store's factory, and the checks of its settings. */
import { checkClock } from '../options.js';
import type { PostgresSettings } from '../pg/settings.js';
import { PostgresStore } from '../pg/store.js';
import type { StoreFactory } from '../store.js';

/**
 * State in a PostgreSQL database, shared with every process that names it: a `postgres://` URL
 * (several hosts with `target_session_attrs=read-write` follow a failover), or the URL with the
 * store's settings. Checks the URL and the clock now (TypeError, RangeError); the store checks
 * the rest when it opens.
 */
export function postgresStore(database: string | PostgresSettings): StoreFactory {
  const settings = typeof database === 'string' ? { url: database } : database;
  if (typeof settings?.url !== 'string' || settings.url === '') throw new TypeError(`database must be a postgres:// URL, got ${String(settings?.url)}`);
  checkClock(settings.clock);
  return ({ requireToken, logger }) => ({ store: new PostgresStore({ ...settings, ...(logger === undefined ? {} : { logger }) }, requireToken) });
}
