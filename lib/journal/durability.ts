import type { StoreMetrics } from '../store.js';
import { Status, type WalletResponse } from '../types.js';
import type { Command } from '../validation.js';
import { AppendLog, nodeFileSystem, type CommitTally, type JournalFileSystem } from './append-log.js';
import { encodeRecord, type JournalRecord } from './format.js';
import type { DirectoryLock } from './lock.js';
import { FIRST_BINARY_FORMAT } from './binary.js';
import { settingsRecord, type EngineSettings } from './settings.js';
import { installSnapshot, journalPath, recover, writeSnapshotFile, type RecoveryReport, type StateView } from './store.js';

/** A response waiting for a commit, and what releases it. */
interface Held {
  readonly response: WalletResponse;
  readonly resolve: (response: WalletResponse) => void;
}

/**
 * The write-ahead journal of a durable engine, in one directory it holds exclusively (recovered
 * by `recover`, see store.ts): every change is journaled as it is applied, to the current
 * generation's {@link AppendLog}; every response is held until what it reflects is on disk; a
 * snapshot is taken every so many records, and starts a new generation; a failed write stops the
 * engine for good. A failed snapshot stops nothing: it is reported ({@link snapshotError}, a
 * process warning) and tried again after as many records.
 */
export class Durability {
  readonly directory: string;
  readonly #lock: DirectoryLock;
  readonly #fs: JournalFileSystem;
  /** The generation being written, and its journal. */
  #generation: number;
  #log: AppendLog;
  /** Records appended since the last snapshot began. */
  #sinceSnapshot: number;
  #snapshotting: Promise<void> | undefined;
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

  /** Every commit of this journal, across its generations. */
  readonly #tally: CommitTally = { commits: 0, lines: 0, seconds: 0 };

  /**
   * Takes `directory` for this engine alone and opens its journal, replaying it through
   * `restore` first. `state` gives the whole state as records, for snapshots. Throws
   * `JournalLockedError` if another engine holds the directory, `JournalFormatError` if a file
   * is of a newer format, `JournalSettingsError` if it was written with other `settings`,
   * `JournalCorruptError` if it is damaged. The journals are written through `fs` (by default
   * `node:fs`).
   */
  constructor(
    directory: string,
    snapshotEvery: number,
    restore: (record: JournalRecord) => void,
    state: () => StateView,
    settings: EngineSettings,
    fs: JournalFileSystem = nodeFileSystem,
  ) {
    const { lock, generation, journaled, header, format, report } = recover(directory, settings, restore);
    try {
      // A journal of an earlier format is continued in its own; the next snapshot replaces it.
      this.#log = new AppendLog(journalPath(directory, generation), undefined, this.#tally, fs, format >= FIRST_BINARY_FORMAT);
      if (header !== undefined) this.#log.append(header);
    } catch (error) {
      lock.release();
      throw error;
    }
    this.directory = directory;
    this.#lock = lock;
    this.#fs = fs;
    this.#generation = generation;
    this.#sinceSnapshot = journaled;
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
    return this.#log.commits;
  }

  /** Every commit since the engine started, across journal generations. */
  metrics(): StoreMetrics {
    const { commits, lines, seconds } = this.#tally;
    return { commits, committedRequests: lines, commitSeconds: seconds };
  }

  /** The current generation: the number of the journal being written. */
  get generation(): number {
    return this.#generation;
  }

  /** Journals one record of a change just applied. */
  append(record: JournalRecord): void {
    this.#log.append(encodeRecord(record));
    this.#sinceSnapshot += 1;
    this.#appended();
  }

  /**
   * Journals a transaction just applied for `user` at `minutes` (since the epoch): a `time` line
   * goes first when the minute is not the one the current journal last said. `at`, the time in
   * milliseconds, goes on the command's line, for the back office.
   */
  commandApplied(user: string, command: Command, minutes: number, at?: number): void {
    const generation = this.#generation;
    // Not a change of the state: not counted toward the next snapshot.
    if (minutes !== this.#minutes || generation !== this.#minutesGeneration) {
      this.#log.append(encodeRecord({ type: 'time', minutes }));
      this.#minutes = minutes;
      this.#minutesGeneration = generation;
    }
    this.#log.appendCommand(user, command, at);
    this.#sinceSnapshot += 1;
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
    const commit = this.#log.durable();
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
    return this.#log.durable().catch((error: Error) => this.#fail(error));
  }

  /**
   * Writes a snapshot of the whole state (as `state` reads it: by default as the constructor
   * was told) and starts a new journal. Rejects (never throws) if it fails, if the engine is
   * stopped, or after a failed journal write; none of these changes what the engine answers.
   */
  snapshot(state: () => StateView = this.#state): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new Error('the engine is stopped: no snapshot'));
    return this.#snapshot(state).then(
      () => {
        this.#snapshotError = undefined;
      },
      (error: Error) => {
        this.#snapshotError = error;
        throw error;
      },
    );
  }

  /**
   * Writes a snapshot of `state` (called at once, so that it sees one consistent moment; its
   * records are read while the file is written, a slice at a time, and it is released once read
   * or once the write failed) and starts a new generation once the new journal is open; the
   * older files are removed once the snapshot is on disk. One snapshot at a time: a call during
   * another waits for it and returns. Never throws: a failure is a rejection, and journaling
   * goes on (to the new journal if it could be opened, else to the current one). Rejects at
   * once, touching no file, after a failed journal write.
   */
  #snapshot(state: () => StateView): Promise<void> {
    if (this.#snapshotting !== undefined) return this.#snapshotting;
    const failure = this.#log.failure;
    if (failure !== undefined) return Promise.reject(new Error(`${this.directory}: no snapshot after a failed journal write (${failure.message})`));
    const next = this.#generation + 1;
    const oldLog = this.#log;
    const head = encodeRecord(settingsRecord(this.settings));
    let view: StateView;
    let newLog: AppendLog;
    try {
      // Opened before the state is read: if it cannot be, journaling goes on where it was.
      newLog = new AppendLog(journalPath(this.directory, next), oldLog.durable(), this.#tally, this.#fs, true);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    try {
      view = state();
    } catch (error) {
      void newLog.close().catch(() => {}); // left empty: recovery reads an empty journal as nothing
      return Promise.reject(error as Error);
    }
    newLog.append(head);
    this.#generation = next;
    this.#log = newLog;
    this.#sinceSnapshot = 0;
    const snapshotting = this.#writeSnapshot(next, head, view, oldLog).finally(() => {
      this.#snapshotting = undefined;
    });
    this.#snapshotting = snapshotting;
    return snapshotting;
  }

  /**
   * Writes snapshot `generation`, and installs it once the journal before it is on disk too;
   * the old journal is closed whatever happens, the older files removed only on success.
   */
  async #writeSnapshot(generation: number, head: string, view: StateView, oldLog: AppendLog): Promise<void> {
    let failure: unknown;
    try {
      await writeSnapshotFile(this.directory, generation, head, view.records);
    } catch (error) {
      failure = error;
    } finally {
      view.release();
    }
    try {
      await oldLog.close();
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw failure;
    await installSnapshot(this.directory, generation, this.#fs);
  }

  /** True while a snapshot is being written. */
  get snapshotting(): boolean {
    return this.#snapshotting !== undefined;
  }

  /**
   * Waits for a snapshot under way and for every write, then closes the files and gives the
   * directory up. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#snapshotting?.catch(() => {}); // its failure was reported to its caller
        await this.#log.close();
      } finally {
        this.#lock.release();
      }
    })().catch((error: Error) => this.#fail(error));
    return this.#closing;
  }

  /** After each record: starts the automatic snapshot once it is due. */
  #appended(): void {
    if (this.#sinceSnapshot >= this.#snapshotDue && this.#snapshotting === undefined && !this.failed && this.#closing === undefined) this.#autoSnapshot();
  }

  /**
   * A snapshot due by count. Whether it fails at once (no new journal could be opened) or later
   * (the snapshot could not be written), the next try waits for as many records again.
   */
  #autoSnapshot(): void {
    const generation = this.#generation;
    this.#snapshotDue = this.#sinceSnapshot + this.#snapshotEvery;
    this.snapshot().catch((error: Error) => {
      process.emitWarning(`snapshot failed, journaling goes on and it is tried again after ${this.#snapshotEvery} records: ${error.message}`, {
        code: 'EXWALLET_SNAPSHOT_FAILED',
      });
    });
    if (this.#generation !== generation) this.#snapshotDue = this.#snapshotEvery; // a new journal began: count from it
  }

  #fail(error: Error): void {
    this.#failure ??= error;
  }
}
