import { Status, type WalletResponse } from '../types.js';
import type { Command } from '../validation.js';
import { encodeCommand, encodeRecord, type JournalRecord } from './format.js';
import { JournalStore, type RecoveryReport } from './store.js';

/**
 * The write-ahead discipline of a durable engine: every change is journaled as it is applied,
 * every response is held until what it reflects is on disk, a snapshot is taken every so many
 * records, and a failed write stops the engine for good.
 */
export class Durability {
  readonly #store: JournalStore;
  readonly #snapshotEvery: number;
  readonly #state: () => Iterable<JournalRecord>;
  /** What recovery found. */
  readonly recovery: RecoveryReport;
  #failure: Error | undefined;

  /**
   * Opens the journal in `directory`, replaying it through `restore` first. `state` gives the
   * whole state as records, for snapshots.
   */
  constructor(
    directory: string,
    snapshotEvery: number,
    restore: (record: JournalRecord) => void,
    state: () => Iterable<JournalRecord>,
  ) {
    const { store, report } = JournalStore.open(directory, restore);
    this.#store = store;
    this.#snapshotEvery = snapshotEvery;
    this.#state = state;
    this.recovery = report;
  }

  /** True once a write failed: the engine must refuse every request from then on. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Commits (one write and one `fdatasync` each) to the current journal. */
  get commits(): number {
    return this.#store.commits;
  }

  userCreated(user: string, balance: number): void {
    this.#append(encodeRecord({ type: 'user', user, balance }));
  }

  commandApplied(user: string, command: Command): void {
    this.#append(encodeCommand(user, command));
  }

  /**
   * Releases a response only once everything applied before it is on disk, so no answer, not
   * even a replay or an error quoting a balance, reveals a state that a crash could take back.
   * If the write fails, the answer is `RS_ERROR_UNKNOWN`, with no balance.
   */
  async release(answer: Promise<WalletResponse>): Promise<WalletResponse> {
    const response = await answer;
    try {
      await this.#store.durable();
      return response;
    } catch (error) {
      this.#fail(error as Error);
      return { user: response.user, status: Status.UNKNOWN, request_uuid: response.request_uuid };
    }
  }

  /** Resolves once everything appended so far is on disk (or the write failed). */
  settled(): Promise<void> {
    return this.#store.durable().catch((error: Error) => this.#fail(error));
  }

  /** Writes a snapshot of the whole state and starts a new journal. */
  snapshot(): Promise<void> {
    return this.#store.snapshot(this.#state);
  }

  /** Waits for every write, then closes the files. */
  close(): Promise<void> {
    return this.#store.close().catch((error: Error) => this.#fail(error));
  }

  #append(line: string): void {
    this.#store.append(line);
    if (this.#store.sinceSnapshot >= this.#snapshotEvery) this.snapshot().catch((error: Error) => this.#fail(error));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
  }
}
