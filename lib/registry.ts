import { CANCELLED, type BetState, type Entry, type EntryKind } from './rules.js';
import { packUuid, unpackUuid } from './uuid.js';

/**
 * What the registry keeps of a transaction id, in as few bytes as a heap object allows: the
 * `request_uuid` is packed, and a bet's state is a number that changes in place.
 */
class TransactionRecord implements Entry {
  readonly #requestUuid: string;

  constructor(
    readonly user: string,
    readonly kind: EntryKind,
    readonly fingerprint: string,
    requestUuid: string,
    readonly balance: number,
    public state: BetState,
  ) {
    this.#requestUuid = packUuid(requestUuid);
  }

  get requestUuid(): string {
    return unpackUuid(this.#requestUuid);
  }
}

/**
 * The embedded store's registry: every transaction id the engine has seen (recorded transactions
 * and ids reserved by a rollback), unique across users and operations, with what the rules need
 * to judge a request that names it and to replay its original response.
 */
export class TransactionRegistry {
  readonly #entries = new Map<string, TransactionRecord>();
  #recorded = 0;

  /** Number of recorded transactions (reservations not counted). */
  get size(): number {
    return this.#recorded;
  }

  /** The entry of an id, if the engine knows it. */
  readonly lookup = (transactionUuid: string): Entry | undefined => this.#entries.get(transactionUuid);

  /** Records `entry` under `transactionUuid`. */
  record(transactionUuid: string, entry: Entry): void {
    const { user, kind, fingerprint, requestUuid, balance, state } = entry;
    this.#entries.set(transactionUuid, new TransactionRecord(user, kind, fingerprint, requestUuid, balance, state));
    if (kind !== 'reserved') this.#recorded += 1;
  }

  /** Changes the state of a recorded bet or reservation. */
  settle(transactionUuid: string, state: BetState): void {
    const entry = this.#entries.get(transactionUuid);
    if (entry !== undefined) entry.state = state;
  }

  /** Reserves an id for `user` as cancelled: a request that later uses it as its own id is refused. */
  reserve(transactionUuid: string, user: string): void {
    this.#entries.set(transactionUuid, new TransactionRecord(user, 'reserved', '', '', 0, CANCELLED));
  }

  /** Every entry, in the order the ids were first seen. */
  entries(): IterableIterator<[string, Entry]> {
    return this.#entries.entries();
  }
}
