import { Status } from './types.js';
import { packUuid, unpackUuid } from './uuid.js';

/**
 * What the registry keeps of a successful transaction: enough to recognise it and to replay
 * its response, whose other fields (user, status, currency) follow from the request.
 */
export class TransactionRecord {
  readonly #requestUuid: string;

  constructor(
    readonly fingerprint: string,
    requestUuid: string,
    readonly balance: number,
  ) {
    this.#requestUuid = packUuid(requestUuid);
  }

  /** The `request_uuid` of the original response, exactly as it was sent. */
  get requestUuid(): string {
    return unpackUuid(this.#requestUuid);
  }
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
   * Check 5 of the contract for a request with this id and fingerprint: the record of an exact
   * duplicate, to replay; the status that refuses a reused or cancelled id; or `undefined` when
   * the id is free and the request is to be judged afresh.
   */
  judge(transactionUuid: string, fingerprint: string): TransactionRecord | Status | undefined {
    const entry = this.#entries.get(transactionUuid);
    if (entry === undefined) return undefined;
    if (entry === RESERVED) return Status.TRANSACTION_ROLLED_BACK;
    return entry.fingerprint === fingerprint ? entry : Status.DUPLICATE_TRANSACTION;
  }

  /** True when the id belongs to a recorded transaction or a reservation. */
  has(transactionUuid: string): boolean {
    return this.#entries.has(transactionUuid);
  }

  /** Records a successful transaction and the `request_uuid` and balance its response carried. */
  record(transactionUuid: string, fingerprint: string, requestUuid: string, balance: number): void {
    this.#entries.set(transactionUuid, new TransactionRecord(fingerprint, requestUuid, balance));
    this.#recorded += 1;
  }

  /** Every recorded transaction, and `undefined` for each reserved id, in insertion order. */
  *entries(): Iterable<readonly [string, TransactionRecord | undefined]> {
    for (const [transactionUuid, entry] of this.#entries) yield [transactionUuid, entry === RESERVED ? undefined : entry];
  }

  /** Reserves an id as cancelled: a request that later uses it as its own id is refused. */
  reserve(transactionUuid: string): void {
    this.#entries.set(transactionUuid, RESERVED);
  }
}
