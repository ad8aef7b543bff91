import { UserActor } from './actor.js';
import { Durability } from './journal/durability.js';
import type { JournalRecord } from './journal/format.js';
import type { RecoveryReport } from './journal/store.js';
import { TransactionRegistry } from './registry.js';
import { Status, type Operation, type WalletResponse } from './types.js';
import { parseCommand, readBody, stringField, type Command } from './validation.js';

/** Where and how often a durable engine writes. */
export interface JournalSettings {
  readonly directory: string;
  readonly snapshotEvery: number;
}

/**
 * Routes each request to its user's actor. Owns the engine's users, its transaction registry
 * and, for a durable engine, its {@link Durability}; decides nothing about money itself.
 */
export class Supervisor {
  readonly #users = new Map<string, UserActor>();
  readonly #registry = new TransactionRegistry();
  readonly #currency: string;
  readonly #initialBalance: number;
  readonly #durability: Durability | undefined;
  readonly #onApplied: ((user: string, command: Command) => void) | undefined;
  #stopped = false;

  constructor(currency: string, initialBalance: number, journal?: JournalSettings) {
    this.#currency = currency;
    this.#initialBalance = initialBalance;
    if (journal === undefined) return;
    // Journals nothing while recovery replays the journal: the durability does not exist yet.
    this.#onApplied = (user, command) => this.#durability?.commandApplied(user, command);
    this.#durability = new Durability(
      journal.directory,
      journal.snapshotEvery,
      (record) => this.#restore(record),
      () => this.#state(),
    );
  }

  /** What recovery found, for a durable engine. */
  get recovery(): RecoveryReport | undefined {
    return this.#durability?.recovery;
  }

  /** Number of users. */
  get userCount(): number {
    return this.#users.size;
  }

  /** Number of recorded transactions. */
  get transactionCount(): number {
    return this.#registry.size;
  }

  /** Commits (one write and one `fdatasync` each) to the current journal, if there is one. */
  get journalCommits(): number | undefined {
    return this.#durability?.commits;
  }

  /**
   * Creates each new, non-empty user name once; resolves when they are durable. A list that
   * throws while it is read (a proxy, a getter) keeps the users read before that.
   */
  createUsers(users: unknown): Promise<void> {
    if (this.#refusing() || !Array.isArray(users)) return Promise.resolve();
    try {
      for (const user of users as unknown[]) {
        if (typeof user === 'string' && user !== '' && !this.#users.has(user)) {
          this.#users.set(user, this.#actor(user, this.#initialBalance));
          this.#durability?.userCreated(user, this.#initialBalance);
        }
      }
    } catch {
      // Nothing to undo: every user created so far is complete.
    }
    return this.#durability?.settled() ?? Promise.resolve();
  }

  /** Checks 1 and 2, then hands the request to its user's actor. Never rejects. */
  handle(operation: Operation, body: unknown): Promise<WalletResponse> {
    const answer = this.#route(operation, body);
    return this.#durability === undefined ? answer : this.#durability.release(answer);
  }

  /** Writes a snapshot of the whole state and starts a new journal. */
  snapshot(): Promise<void> {
    return this.#durability?.snapshot() ?? Promise.resolve();
  }

  /** Refuses new requests, then waits for every request already sent to be answered. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const actor of this.#users.values()) await actor.drained();
    await this.#durability?.close();
  }

  #refusing(): boolean {
    return this.#stopped || this.#durability?.failed === true;
  }

  #route(operation: Operation, body: unknown): Promise<WalletResponse> {
    const fields = readBody(body);
    if (fields === undefined) return unknownUser(Status.WRONG_SYNTAX, '', '');
    const user = fields.get('user');
    const actor = typeof user === 'string' ? this.#users.get(user) : undefined;
    const requestUuid = stringField(fields, 'request_uuid');
    if (actor === undefined) return unknownUser(Status.UNKNOWN, stringField(fields, 'user'), requestUuid);
    if (this.#refusing()) return actor.reply(Status.UNKNOWN, requestUuid);
    if (operation === 'balance') return actor.reply(Status.OK, requestUuid);
    const command = parseCommand(operation, fields);
    return typeof command === 'string' ? actor.reply(command, requestUuid) : actor.execute(command);
  }

  #actor(user: string, balance: number, bets?: Iterable<readonly [string, number]>): UserActor {
    const actor = new UserActor(user, this.#currency, balance, this.#registry, this.#onApplied);
    if (bets !== undefined) actor.restoreBets(bets);
    return actor;
  }

  /** Recovery: applies one record of the snapshot or journal. */
  #restore(record: JournalRecord): void {
    switch (record.type) {
      case 'user':
        this.#users.set(record.user, this.#actor(record.user, record.balance, record.bets));
        return;
      case 'command': {
        // The record is the command itself, with its type and user beside it.
        const status = this.#users.get(record.user)?.restore(record);
        if (status !== Status.OK) throw new Error(`the journal replays ${record.transactionUuid} for ${record.user} as ${String(status)}`);
        return;
      }
      case 'record':
        this.#registry.record(record.transactionUuid, record.fingerprint, record.requestUuid, record.balance);
        return;
      case 'reserved':
        this.#registry.reserve(record.transactionUuid);
        return;
      case 'end':
        return;
    }
  }

  /** The whole state as snapshot records, read in one go. */
  *#state(): Iterable<JournalRecord> {
    for (const actor of this.#users.values()) yield { type: 'user', user: actor.user, balance: actor.balance, bets: [...actor.bets()] };
    for (const [transactionUuid, entry] of this.#registry.entries()) {
      yield entry === undefined
        ? { type: 'reserved', transactionUuid }
        : { type: 'record', transactionUuid, fingerprint: entry.fingerprint, requestUuid: entry.requestUuid, balance: entry.balance };
    }
  }
}

function unknownUser(status: Status, user: string, requestUuid: string): Promise<WalletResponse> {
  return Promise.resolve({ user, status, request_uuid: requestUuid });
}
