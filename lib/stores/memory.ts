/**
 * The embedded store's factories: state in this process's memory, with or without a write-ahead
 * journal, and the checks of their settings.
 */
import type { RecoveryReport } from '../journal/store.js';
import { MemoryStore } from '../memory-store.js';
import { checkClock, DEFAULT_RETENTION_DAYS, DEFAULT_SNAPSHOT_EVERY } from '../options.js';
import type { JournalControl, StoreFactory } from '../store.js';

/** Settings of the embedded store. */
export interface MemoryStoreSettings {
  /** Days a transaction record is kept after its last change; an open bet is kept whatever its age. `0` keeps every record. Default {@link DEFAULT_RETENTION_DAYS}. */
  readonly retentionDays?: number;
  /** The time in milliseconds since the epoch, which retention reads. Default `Date.now`. */
  readonly clock?: () => number;
  /** New transactions are refused while the used heap passes this share of V8's limit for long-lived data. Default 0.9. */
  readonly heapLimitRatio?: number;
  /** Bytes the process may hold (its resident set): new transactions are refused past it. No limit by default. */
  readonly memoryLimit?: number;
}

/** Settings of the embedded store with a journal. */
export interface JournalStoreSettings extends MemoryStoreSettings {
  /** Write a snapshot and start a new journal after this many records. Default {@link DEFAULT_SNAPSHOT_EVERY}. */
  readonly snapshotEvery?: number;
}

/**
 * The embedded store without a journal: balances are lost on exit. Checks its settings now:
 * throws TypeError or RangeError for one out of range.
 */
export function memoryStore(settings: MemoryStoreSettings = {}): StoreFactory {
  const memory = memorySettings(settings);
  return ({ currency, requireToken, logger }) => ({ store: new MemoryStore(currency, undefined, { ...memory, requireToken, ...(logger === undefined ? {} : { logger }) }) });
}

/**
 * The embedded store with a write-ahead journal in `directory`: every change is on disk before
 * its answer is released, and opening the store first rebuilds the state the directory holds.
 * Checks its settings now: throws TypeError or RangeError for one out of range.
 */
export function journalStore(directory: string, settings: JournalStoreSettings = {}): StoreFactory {
  checkJournalSettings(directory, settings.snapshotEvery);
  const { snapshotEvery = DEFAULT_SNAPSHOT_EVERY } = settings;
  const memory = memorySettings(settings);
  return ({ currency, initialBalance, requireToken, logger }) => {
    const store = new MemoryStore(currency, { directory, snapshotEvery, currency, initialBalance }, { ...memory, requireToken, ...(logger === undefined ? {} : { logger }) });
    return { store, journal: journalControl(store) };
  };
}

/** Throws TypeError or RangeError unless `directory` is a path and `snapshotEvery` a positive safe integer (or unset). */
export function checkJournalSettings(directory: unknown, snapshotEvery: unknown = DEFAULT_SNAPSHOT_EVERY): void {
  if (directory !== undefined && (typeof directory !== 'string' || directory === '')) {
    throw new TypeError(`journal must be a directory path, got ${String(directory)}`);
  }
  if (!Number.isSafeInteger(snapshotEvery) || (snapshotEvery as number) < 1) {
    throw new RangeError(`snapshotEvery must be a positive safe integer, got ${String(snapshotEvery)}`);
  }
}

/** The settings the memory store takes, checked, with the default retention. */
function memorySettings(settings: MemoryStoreSettings): MemoryStoreSettings & { readonly retentionDays: number } {
  const { retentionDays = DEFAULT_RETENTION_DAYS, clock, heapLimitRatio, memoryLimit } = settings;
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 0) throw new RangeError(`retentionDays must be a non-negative safe integer, got ${String(retentionDays)}`);
  if (heapLimitRatio !== undefined && !(heapLimitRatio > 0 && heapLimitRatio <= 1)) throw new RangeError(`heapLimitRatio must be in (0, 1], got ${String(heapLimitRatio)}`);
  if (memoryLimit !== undefined && !(Number.isSafeInteger(memoryLimit) && memoryLimit > 0)) throw new RangeError(`memoryLimit must be a positive whole number of bytes, got ${String(memoryLimit)}`);
  checkClock(clock);
  return {
    retentionDays,
    ...(clock === undefined ? {} : { clock }),
    ...(heapLimitRatio === undefined ? {} : { heapLimitRatio }),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
  };
}

/** The journal's surface of a store opened with one. */
function journalControl(store: MemoryStore): JournalControl {
  return {
    get recovery(): RecoveryReport {
      return store.recovery as RecoveryReport;
    },
    get commits(): number {
      return store.durability?.commits ?? 0;
    },
    get snapshotError(): Error | undefined {
      return store.durability?.snapshotError;
    },
    snapshot(): Promise<void> {
      return store.durability?.snapshot() ?? Promise.resolve();
    },
  };
}
