import { Status, type UserResponse } from './types.js';

/** What the registry keeps of a successful transaction: enough to recognise and replay it. */
interface TransactionRecord {
  readonly fingerprint: string;
  readonly response: UserResponse;
}

/** Stands for an id that a rollback cancelled before any transaction used it. */
const RESERVED = 'reserved';

/**
 * Remembers every successful transaction of an engine by its `transaction_uuid`, which is
 * unique across users and operations, and judges each new request against it: an exact
 * duplicate replays the stored response, a reused id with other fields is refused.
 */
export class TransactionRegistry {
  readonly #entries = new Map<string, TransactionRecord | typeof RESERVED>();
  #recorded = 0;

  /** Number of recorded transactions. */
  get size(): number {
    return this.#recorded;
  }

  /**
   * Check 5 of the contract for a request with this id and fingerprint: the stored response of
   * an exact duplicate, the status that refuses a reused or cancelled id, or `undefined` when
   * the id is free and the request is to be judged afresh.
   */
  judge(transactionUuid: string, fingerprint: string): UserResponse | Status | undefined {
    const entry = this.#entries.get(transactionUuid);
    if (entry === undefined) return undefined;
    if (entry === RESERVED) return Status.TRANSACTION_ROLLED_BACK;
    return entry.fingerprint === fingerprint ? entry.response : Status.DUPLICATE_TRANSACTION;
  }

  /** True when the id belongs to a recorded transaction or a reservation. */
  has(transactionUuid: string): boolean {
    return this.#entries.has(transactionUuid);
  }

  /** Records a successful transaction; its response is frozen so replays stay byte for byte. */
  record(transactionUuid: string, fingerprint: string, response: UserResponse): void {
    this.#entries.set(transactionUuid, { fingerprint, response: Object.freeze(response) });
    this.#recorded += 1;
  }

  /** Reserves an id as cancelled: a request that later uses it as its own id is refused. */
  reserve(transactionUuid: string): void {
    this.#entries.set(transactionUuid, RESERVED);
  }
}
