/**
 * The built-in stores, and the one place that turns the short options `journal` and `database`
 * into a store's factory.
 */
import type { WalletOptions } from '../options.js';
import type { StoreFactory } from '../store.js';
import { checkJournalSettings, journalStore, memoryStore } from './memory.js';
import { postgresStore } from './postgres.js';

export { journalStore, memoryStore, type JournalStoreSettings, type MemoryStoreSettings } from './memory.js';
export { postgresStore } from './postgres.js';

/**
 * The store an engine's options name: `store`, or the journal (`journal`), PostgreSQL
 * (`database`) or memory only. Throws TypeError or RangeError for options that contradict each
 * other or a setting out of range.
 */
export function storeOf(options: WalletOptions): StoreFactory {
  const { store, journal, database, snapshotEvery, retentionDays, clock, heapLimitRatio, memoryLimit } = options;
  if (store !== undefined) {
    if (typeof store !== 'function') throw new TypeError(`store must be a store factory, such as memoryStore(), got ${String(store)}`);
    if (journal !== undefined || database !== undefined) throw new TypeError('store excludes journal and database: the state lives in one store');
    const loose = (['snapshotEvery', 'retentionDays', 'clock', 'heapLimitRatio', 'memoryLimit'] as const).filter((name) => options[name] !== undefined);
    if (loose.length > 0) throw new TypeError(`with store, give ${loose.join(', ')} to the store's factory (memoryStore, journalStore)`);
    return store;
  }
  checkJournalSettings(journal, snapshotEvery);
  if (database !== undefined && journal !== undefined) {
    throw new TypeError('journal and database exclude each other: the state lives in one store');
  }
  if (database !== undefined) {
    // The engine's clock (sessions, limit periods, retention) is the database store's too, unless its settings name one.
    if (clock === undefined) return postgresStore(database);
    const settings = typeof database === 'string' ? { url: database } : database;
    return postgresStore(settings.clock === undefined ? { ...settings, clock } : settings);
  }
  const memory = {
    ...(retentionDays === undefined ? {} : { retentionDays }),
    ...(clock === undefined ? {} : { clock }),
    ...(heapLimitRatio === undefined ? {} : { heapLimitRatio }),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
  };
  return journal === undefined ? memoryStore(memory) : journalStore(journal, { ...memory, ...(snapshotEvery === undefined ? {} : { snapshotEvery }) });
}
