import postgres, { type Sql } from 'postgres';
import { unknownUser, type NewUser, type Store, type StoreHealth, type StoreMetrics, type StoreRequest, type StoreStats } from '../store.js';
import { Status, type WalletLogger, type WalletResponse } from '../types.js';
import { idsOf, judgeBatch, usersOf, type AccountRow, type BatchItem, type EntryRow } from './batch.js';
import { unlessConnectionLost } from './lost-connection.js';
import { checkSchemaName, migrate, SCHEMA } from './schema.js';

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
  /** Milliseconds a batch may take to commit, retries included, before it is answered `RS_ERROR_UNKNOWN`. Default 5,000. */
  readonly commitTimeout?: number;
  /** Days a transaction row is kept; an open bet is kept until it is settled. `0` keeps everything. Default 120. */
  readonly retentionDays?: number;
  /** Milliseconds between retention passes. Default one minute. */
  readonly retentionInterval?: number;
  /** The time, in milliseconds since the epoch: rows are stamped with it and retention reads it. Default `Date.now`. */
  readonly clock?: () => number;
  readonly logger?: WalletLogger;
}

interface Pending extends BatchItem {
  readonly resolve: (response: WalletResponse) => void;
}

const DAY = 86_400_000;
/** Rows deleted per retention statement, so that a pass never holds many locks at once. */
const RETENTION_CHUNK = 1_000;

/**
 * The PostgreSQL store: state in the database, shared by any number of processes. Requests that
 * arrive in one event-loop turn, and those that arrive while a batch commits, go to the database
 * as one transaction: lock the batch's users' rows in name order (the mailbox across processes),
 * read the transaction ids the batch names, judge every request by the rules in arrival order,
 * write set-based, commit. Every answer leaves after the commit that judged it.
 */
export class PostgresStore implements Store {
  readonly synchronous = false;
  #sql: Sql;
  readonly #connect: () => Sql;
  readonly #schema: string;
  readonly #batchesInFlight: number;
  readonly #maxBatch: number;
  readonly #commitTimeout: number;
  readonly #retentionDays: number;
  readonly #clock: () => number;
  readonly #logger: WalletLogger | undefined;
  readonly #running = new Set<Promise<void>>();
  readonly #retention: NodeJS.Timeout | undefined;
  #ready: Promise<void> | undefined;
  #pending: Pending[] = [];
  #scheduled = false;
  #closed: Promise<void> | undefined;
  #batches = 0;
  #batched = 0;
  #commitSeconds = 0;
  /** The host of the URL that the next pool tries first. */
  #firstHost = 0;
  readonly #hostCount: number;

  constructor(settings: PostgresSettings) {
    const { url, schema = SCHEMA, poolSize = 10, batchesInFlight = Math.min(4, poolSize), maxBatch = 250, commitTimeout = 5_000, retentionDays = 120, retentionInterval = 60_000 } = settings;
    checkSchemaName(schema);
    if (!/^postgres(ql)?:\/\/./.test(url)) throw new TypeError('database url must be a postgres:// URL');
    wholeNumber('poolSize', poolSize, 1, 1_000);
    wholeNumber('batchesInFlight', batchesInFlight, 1, poolSize);
    wholeNumber('maxBatch', maxBatch, 1, 100_000);
    wholeNumber('commitTimeout', commitTimeout, 1, 3_600_000);
    wholeNumber('retentionDays', retentionDays, 0, 36_500);
    wholeNumber('retentionInterval', retentionInterval, 1, 86_400_000);
    this.#batchesInFlight = batchesInFlight;
    this.#maxBatch = maxBatch;
    this.#commitTimeout = commitTimeout;
    this.#retentionDays = retentionDays;
    this.#clock = settings.clock ?? Date.now;
    this.#logger = settings.logger;
    // postgres.js tries a URL's hosts in order and takes a hot standby for read-write (it looks
    // only at default_transaction_read_only, which a standby reports off): a server found
    // read-only is skipped by starting the next pool at the next host.
    this.#hostCount = rotateHosts(url, 0).hosts;
    this.#connect = () =>
      postgres(rotateHosts(url, this.#firstHost).url, {
        max: poolSize,
        onnotice: () => {},
        // A connection attempt may hang (a server starting or failing over): give up on it early
        // enough that a retry still fits in the commit timeout.
        connect_timeout: commitTimeout / 3_000,
        // Unused connections are closed, so an idle process holds none.
        idle_timeout: 60,
        connection: { application_name: 'exwallet', search_path: schema },
      });
    this.#sql = this.#connect();
    this.#schema = schema;
    this.#whenReady().catch((error: Error) => this.#logger?.warn({ err: error }, 'PostgreSQL store not ready yet'));
    if (retentionDays > 0) {
      this.#retention = setInterval(() => void this.purge().catch((error: Error) => this.#logger?.warn({ err: error }, 'retention pass failed')), retentionInterval);
      this.#retention.unref();
    }
  }

  metrics(): StoreMetrics {
    return { commits: this.#batches, committedRequests: this.#batched, commitSeconds: this.#commitSeconds };
  }

  mayExist(user: string): boolean {
    return user !== '';
  }

  serve(user: string, request: StoreRequest, requestUuid: string): WalletResponse | Promise<WalletResponse> {
    if (this.#closed !== undefined) return unknownUser(Status.UNKNOWN, user, requestUuid);
    return new Promise((resolve) => {
      this.#pending.push({ user, request, requestUuid, resolve });
      this.#schedule();
    });
  }

  release(answer: Promise<WalletResponse>): Promise<WalletResponse> {
    return answer; // an answer leaves the store only after its commit
  }

  async createUsers(users: readonly NewUser[]): Promise<void> {
    await this.#whenReady();
    const chunk = 10_000;
    for (let i = 0; i < users.length; i += chunk) {
      const part = users.slice(i, i + chunk);
      await this.#sql`
        INSERT INTO wallets (name, currency, balance, opening_balance)
        SELECT name, currency, balance, balance
        FROM unnest(${part.map((u) => u.user)}::text[], ${part.map((u) => u.currency)}::text[], ${part.map((u) => String(u.balance))}::int8[]) AS v(name, currency, balance)
        ON CONFLICT (name) DO NOTHING`;
    }
  }

  async setUserDisabled(user: string, disabled: boolean): Promise<boolean> {
    await this.#whenReady();
    const rows = await this.#sql`UPDATE wallets SET disabled = ${disabled} WHERE name = ${user} RETURNING id`;
    return rows.length > 0;
  }

  async stats(): Promise<StoreStats> {
    await this.#whenReady();
    const [row] = await this.#sql<Array<{ users: string; transactions: string }>>`
      SELECT (SELECT count(*) FROM wallets) AS users,
             (SELECT count(*) FROM transactions WHERE kind <> 6) AS transactions`;
    return { users: Number(row?.users), transactions: Number(row?.transactions) };
  }

  async health(): Promise<StoreHealth> {
    const pool = this.#sql;
    try {
      const [row] = await Promise.race([
        this.#whenReady().then(() => pool<Array<{ read_only: string }>>`SELECT current_setting('transaction_read_only') AS read_only`),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the database did not answer within 2 s')), 2_000).unref()),
      ]);
      if (row?.read_only !== 'on') return { store: 'postgres', ok: true };
      this.#nextHost(pool);
      return { store: 'postgres', ok: false, detail: 'the server reached is read-only (a standby); looking for the primary' };
    } catch (error) {
      if (isReadOnly(error)) this.#nextHost(pool);
      return { store: 'postgres', ok: false, detail: (error as Error).message };
    }
  }

  /**
   * One retention pass: deletes rows older than the retention period, a chunk at a time, never an
   * open bet. Resolves to the number of rows deleted. Runs by itself every `retentionInterval`.
   */
  async purge(): Promise<number> {
    if (this.#retentionDays <= 0) return 0;
    await this.#whenReady();
    const cutoff = new Date(this.#clock() - this.#retentionDays * DAY);
    let deleted = 0;
    for (;;) {
      const rows = await this.#sql`
        DELETE FROM transactions WHERE transaction_uuid IN (
          SELECT transaction_uuid FROM transactions
          WHERE created_at < ${cutoff} AND NOT (kind = 1 AND state = 0)
          LIMIT ${RETENTION_CHUNK})`;
      deleted += rows.count;
      if (rows.count < RETENTION_CHUNK) return deleted;
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#retention !== undefined) clearInterval(this.#retention);
      while (this.#pending.length > 0 || this.#running.size > 0) {
        this.#flush();
        await Promise.all(this.#running);
      }
      await this.#sql.end({ timeout: 5 });
    })();
    return this.#closed;
  }

  /** Replaces the connection pool; the old one is closed without waiting for its queries. */
  #replacePool(): void {
    const old = this.#sql;
    this.#sql = this.#connect();
    old.end({ timeout: 0 }).catch(() => {});
  }

  /** After `pool` reached a read-only server: a new pool, starting at the URL's next host. */
  #nextHost(pool: Sql): void {
    if (this.#sql !== pool) return;
    this.#firstHost += 1;
    this.#sql = this.#connect();
    // That server is alive, so its connections are let finish: ending them by force can reject
    // postgres.js's own type lookup on a connection just made, which nothing catches.
    pool.end().catch(() => {});
  }

  /** Applies the schema once; a failure is forgotten, so the next request tries again. */
  #whenReady(): Promise<void> {
    this.#ready ??= this.#migrate().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Applies the schema on the first host of the URL, in turn, that is not read-only. */
  async #migrate(): Promise<void> {
    for (let tried = 1; ; tried += 1) {
      const pool = this.#sql;
      try {
        return await migrate(pool, this.#schema);
      } catch (error) {
        if (!isReadOnly(error) || tried >= this.#hostCount) throw error;
        this.#nextHost(pool);
      }
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running.size >= this.#batchesInFlight || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#running.size < this.#batchesInFlight && this.#pending.length > 0) {
      const items = this.#pending.length <= this.#maxBatch ? this.#pending : this.#pending.slice(0, this.#maxBatch);
      this.#pending = items === this.#pending ? [] : this.#pending.slice(this.#maxBatch);
      const run = this.#run(items).finally(() => {
        this.#running.delete(run);
        this.#schedule();
      });
      this.#running.add(run);
    }
  }

  /**
   * Commits one batch, retrying what can be retried (a claimed id, a deadlock, a lost
   * connection: the batch is resent unchanged and judged afresh, so what did commit replays)
   * until the commit timeout; then every request still waiting is answered `RS_ERROR_UNKNOWN`.
   */
  async #run(items: readonly Pending[]): Promise<void> {
    const deadline = performance.now() + this.#commitTimeout;
    let answered = false;
    const answer = (responses: readonly WalletResponse[]): void => {
      if (answered) return;
      answered = true;
      items.forEach((item, i) => item.resolve(responses[i] as WalletResponse));
    };
    const failAll = (error: unknown): void => {
      if (!answered) this.#logger?.error({ err: error, requests: items.length }, 'batch not committed; answered RS_ERROR_UNKNOWN');
      answer(items.map(({ user, requestUuid }) => unknownUser(Status.UNKNOWN, user, requestUuid)));
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        failAll(new Error(`not committed within ${this.#commitTimeout} ms`));
        resolve();
      }, this.#commitTimeout);
    });
    const committing = this.#commit(items, deadline).then(answer, failAll);
    await Promise.race([committing, timeout]);
    clearTimeout(timer);
  }

  async #commit(items: readonly Pending[], deadline: number): Promise<WalletResponse[]> {
    for (let attempt = 0; ; attempt += 1) {
      const pool = this.#sql;
      try {
        await this.#whenReady();
        const started = performance.now();
        const responses = await this.#attempt(items);
        this.#commitSeconds += (performance.now() - started) / 1000;
        this.#batches += 1;
        this.#batched += items.length;
        return responses;
      } catch (error) {
        const pause = Math.min(500, 5 * 2 ** attempt);
        // A lost connection can leave others of the pool hanging on a server that is gone: start
        // afresh, so that the retry finds whichever server is now the primary.
        if (isReadOnly(error)) this.#nextHost(pool);
        else if (!(error instanceof postgres.PostgresError) && this.#sql === pool) this.#replacePool();
        if (performance.now() + pause >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /**
   * One try: lock, read, judge, write and commit. The reads go out together, and so do the
   * writes. (`sql.begin` rather than a reserved connection: it fails cleanly when the connection
   * dies mid-transaction, provided no query failure reaches it then: see `unlessConnectionLost`.)
   */
  #attempt(items: readonly Pending[]): Promise<WalletResponse[]> {
    const users = usersOf(items);
    const ids = idsOf(items);
    return this.#sql.begin(async (sql) => {
      const [accounts, entries] = await unlessConnectionLost(Promise.all([
        sql<AccountRow[]>`
          SELECT id, name, currency, balance, disabled FROM wallets
          WHERE name = ANY(${users}::text[]) ORDER BY name FOR UPDATE`,
        ids.length === 0
          ? Promise.resolve([] as EntryRow[])
          : sql<EntryRow[]>`
              SELECT t.transaction_uuid, w.name, t.kind, t.state, t.amount, t.balance, t.request_uuid, t.request_uuid_text, t.fingerprint
              FROM transactions t JOIN wallets w ON w.id = t.wallet_id
              WHERE t.transaction_uuid = ANY(${ids}::uuid[])`,
      ]));
      const { responses, writes } = judgeBatch(items, accounts, entries);
      const { inserted, settled, balances } = writes;
      const now = new Date(this.#clock());
      await unlessConnectionLost(Promise.all([
        inserted.ids.length === 0
          ? undefined
          : sql`
              INSERT INTO transactions
                (transaction_uuid, wallet_id, kind, state, amount, balance, request_uuid, request_uuid_text, fingerprint, reference, created_at)
              SELECT id, wallet_id, kind, state, amount, balance, request_uuid, request_uuid_text, decode(fingerprint, 'hex'), reference, ${now}
              FROM unnest(${inserted.ids}::uuid[], ${inserted.walletIds}::int8[], ${inserted.kinds}::int2[], ${inserted.states}::int2[],
                          ${inserted.amounts}::int8[], ${inserted.balances}::int8[], ${inserted.requestUuids}::uuid[],
                          ${inserted.requestTexts}::text[], ${inserted.fingerprints}::text[], ${inserted.references}::uuid[])
                AS v(id, wallet_id, kind, state, amount, balance, request_uuid, request_uuid_text, fingerprint, reference)`,
        settled.ids.length === 0
          ? undefined
          : sql`
              UPDATE transactions t SET state = v.state
              FROM unnest(${settled.ids}::uuid[], ${settled.states}::int2[]) AS v(id, state)
              WHERE t.transaction_uuid = v.id`,
        balances.walletIds.length === 0
          ? undefined
          : sql`
              UPDATE wallets w SET balance = v.balance
              FROM unnest(${balances.walletIds}::int8[], ${balances.balances}::int8[]) AS v(id, balance)
              WHERE w.id = v.id`,
      ]));
      return responses;
    });
  }
}

/** Throws a RangeError unless `value` is a whole number from `min` to `max`: a setting out of range is a programming error. */
function wholeNumber(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
}

/** Whether `error` says the server refused a write because it is read-only (a standby). */
function isReadOnly(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === '25006';
}

/** `url` with its hosts (`h1:p1,h2:p2`) rotated so that the `first`-th (modulo their number) comes first, and their number. */
function rotateHosts(url: string, first: number): { url: string; hosts: number } {
  const match = /^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)([^/?#]*)(.*)$/s.exec(url);
  if (match === null) return { url, hosts: 1 };
  const hosts = (match[2] as string).split(',');
  const start = first % hosts.length;
  return { url: `${match[1] as string}${[...hosts.slice(start), ...hosts.slice(0, start)].join(',')}${match[3] as string}`, hosts: hosts.length };
}
