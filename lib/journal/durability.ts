import type { StoreMetrics } from '../store.js';
import { Status, type WalletResponse } from '../types.js';
import type { Command } from '../validation.js';
import type { JournalFileSystem } from './append-log.js';
import { encodeRecord, type JournalRecord } from './format.js';
import type { EngineSettings } from './settings.js';
import { JournalStore, type RecoveryReport, type StateView } from './store.js';

/** A response waiting for a commit, and what releases it. */
interface Held {
  readonly response: WalletResponse;
  readonly resolve: (response: WalletResponse) => void;
}

/**
 * The write-ahead discipline of a durable engine: every change is journaled as it is applied,
 * every response is held until what it reflects is on disk, a snapshot is taken every so many
 * records, and a failed write stops the engine for good. A failed snapshot stops nothing: it is
 * reported ({@link snapshotError}, a process warning) and tried again after as many records.
 */
export class Durability {
  readonly #store: JournalStore;
  readonly #snapshotEvery: number;
  readonly #state: () => StateView;
  /** What recovery found. */
  readonly recovery: RecoveryReport;
  /** The settings the journal is kept with. */
  readonly settings: EngineSettings;
  #failure: Error | undefined;
  #snapshotError: Error | undefined;
  /** Records since the last snapshot at which the next automatic one is due. */
  #snapshotDue: number;
  #closing: Promise<void> | undefined;
  /** The commit the latest held responses wait for, and those responses. */
  #commit: Promise<void> | undefined;
  #held: Held[] | undefined;
  /** The last `time` line journaled: its minute, and the journal generation it went to. */
  #minutes = -1;
  #minutesGeneration = -1;

  /**
   * Takes `directory` for this engine alone and opens its journal, replaying it through
   * `restore` first. `state` gives the whole state as records, for snapshots. Throws
   * `JournalLockedError` if another engine holds the directory, `JournalSettingsError` if it
   * was written with other `settings`, `JournalCorruptError` if it is damaged. The journals are
   * written through `fs` (by default `node:fs`).
   */
  constructor(
    directory: string,
    snapshotEvery: number,
    restore: (record: JournalRecord) => void,
    state: () => StateView,
    settings: EngineSettings,
    fs?: JournalFileSystem,
  ) {
    const { store, report } = JournalStore.open(directory, settings, restore, fs);
    this.#store = store;
    this.#snapshotEvery = snapshotEvery;
    this.#snapshotDue = snapshotEvery;
    this.#state = state;
    this.recovery = report;
    this.settings = settings;
  }

  /** True once a write failed: the engine must refuse every request from then on. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** The failed write that stopped the engine, if one did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Why the last snapshot failed, until one succeeds; the engine serves on meanwhile. */
  get snapshotError(): Error | undefined {
    return this.#snapshotError;
  }

  /** Commits (one write and one `fdatasync` each) to the current journal. */
  get commits(): number {
    return this.#store.commits;
  }

  /** Every commit since the engine started, across journal generations. */
  metrics(): StoreMetrics {
    const { commits, lines, seconds } = this.#store.tally;
    return { commits, committedRequests: lines, commitSeconds: seconds };
  }

  /** Journals one record of a change just applied. */
  append(record: JournalRecord): void {
    this.#store.append(encodeRecord(record));
    this.#appended();
  }

  /**
   * Journals a transaction just applied for `user` at `minutes` (since the epoch): a `time` line
   * goes first when the minute is not the one the current journal last said. `at`, the time in
   * milliseconds, goes on the command's line, for the back office.
   */
  commandApplied(user: string, command: Command, minutes: number, at?: number): void {
    const generation = this.#store.generation;
    if (minutes !== this.#minutes || generation !== this.#minutesGeneration) {
      this.#store.append(encodeRecord({ type: 'time', minutes }), false);
      this.#minutes = minutes;
      this.#minutesGeneration = generation;
    }
    this.#store.appendCommand(user, command, at);
    this.#appended();
  }

  /**
   * Releases a response only once everything applied before it is on disk, so no answer, not
   * even a replay or an error quoting a balance, reveals a state that a crash could take back.
   * If the write fails, the answer is `RS_ERROR_UNKNOWN`, with no balance.
   */
  release(answer: Promise<WalletResponse>): Promise<WalletResponse> {
    return new Promise((resolve, reject) => {
      answer.then((response) => this.#hold(response, resolve), reject);
    });
  }

  /**
   * Holds `response` until the commit that was pending when it was answered. Responses waiting
   * for one commit are kept together and released by one callback when it lands, rather than
   * each waiting on it by itself.
   */
  #hold(response: WalletResponse, resolve: (response: WalletResponse) => void): void {
    const commit = this.#store.durable();
    // With nothing pending, durable() answers the last write's promise, which may have landed
    // and released its responses already: a response then starts a group of its own.
    let held = this.#held;
    if (commit !== this.#commit || held === undefined) {
      const group: Held[] = [];
      held = group;
      this.#commit = commit;
      this.#held = group;
      commit.then(
        () => {
          if (this.#held === group) this.#held = undefined;
          for (const { response: done, resolve: release } of group) release(done);
        },
        (error: Error) => {
          if (this.#held === group) this.#held = undefined;
          this.#fail(error);
          for (const { response: failed, resolve: release } of group) release({ user: failed.user, status: Status.UNKNOWN, request_uuid: failed.request_uuid });
        },
      );
    }
    held.push({ response, resolve });
  }

  /** Resolves once everything appended so far is on disk (or the write failed). */
  settled(): Promise<void> {
    return this.#store.durable().catch((error: Error) => this.#fail(error));
  }

  /**
   * Writes a snapshot of the whole state (as `state` reads it: by default as the constructor
   * was told) and starts a new journal. Rejects (never throws) if it fails, if the engine is
   * stopped, or after a failed journal write; none of these changes what the engine answers.
   */
  snapshot(state: () => StateView = this.#state): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new Error('the engine is stopped: no snapshot'));
    return this.#store.snapshot(state).then(
      () => {
        this.#snapshotError = undefined;
      },
      (error: Error) => {
        this.#snapshotError = error;
        throw error;
      },
    );
  }

  /** True while a snapshot is being written. */
  get snapshotting(): boolean {
    return this.#store.snapshotting;
  }

  /** Waits for every write, then closes the files and gives the directory up. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#store.close().catch((error: Error) => this.#fail(error));
    return this.#closing;
  }

  /** After each record: starts the automatic snapshot once it is due. */
  #appended(): void {
    if (this.#store.sinceSnapshot >= this.#snapshotDue && !this.#store.snapshotting && !this.failed && this.#closing === undefined) this.#autoSnapshot();
  }

  /**
   * A snapshot due by count. Whether it fails at once (no new journal could be opened) or later
   * (the snapshot could not be written), the next try waits for as many records again.
   */
  #autoSnapshot(): void {
    const generation = this.#store.generation;
    this.#snapshotDue = this.#store.sinceSnapshot + this.#snapshotEvery;
    this.snapshot().catch((error: Error) => {
      process.emitWarning(`snapshot failed, journaling goes on and it is tried again after ${this.#snapshotEvery} records: ${error.message}`, {
        code: 'EXWALLET_SNAPSHOT_FAILED',
      });
    });
    if (this.#store.generation !== generation) this.#snapshotDue = this.#snapshotEvery; // a new journal began: count from it
  }

  #fail(error: Error): void {
    this.#failure ??= error;
  }
}
