import type { WalletLogger } from '../types.js';

/** Milliseconds a PostgreSQL batch may take to commit unless {@link PostgresSettings.commitTimeout} says otherwise. */
export const DEFAULT_COMMIT_TIMEOUT = 5_000;

/** How the PostgreSQL store connects and commits. */
export interface PostgresSettings {
  /** A `postgres://` URL; several hosts and `target_session_attrs=read-write` find the primary. */
  readonly url: string;
  /** The schema the tables live in, created if missing. Default `exwallet`. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** Batches committing at once, each on its own connection. Default 4 (at most `poolSize`). */
  readonly batchesInFlight?: number;
  /** Requests in one batch at most: smaller batches let several commit at once. Default 250. */
  readonly maxBatch?: number;
  /**
   * Milliseconds a batch may take to commit, retries included, before it is answered
   * `RS_ERROR_UNKNOWN`; also how long a request waits for its user's row while another session
   * holds it. Default {@link DEFAULT_COMMIT_TIMEOUT}.
   */
  readonly commitTimeout?: number;
  /** Days a transaction row is kept after its last change (a bet's: its win or rollback); an open bet is kept until it is settled. `0` keeps everything. Default `DEFAULT_RETENTION_DAYS` (120). */
  readonly retentionDays?: number;
  /** Milliseconds between retention passes. Default one minute. */
  readonly retentionInterval?: number;
  /** The time, in milliseconds since the epoch: rows are stamped with it and retention reads it. Default `Date.now`. */
  readonly clock?: () => number;
  readonly logger?: WalletLogger;
}
