import postgres, { type Sql, type TransactionSql } from 'postgres';
import { KEPT_WHATEVER_AGE_SQL, KIND } from '../codes.js';
import { isUnlimited, limitsReport, setLimits, type LimitState, type Usage } from '../limits.js';
import { DEFAULT_RETENTION_DAYS } from '../options.js';
import { EXPIRED_SESSION_KEPT_MS, newToken, openedSession, sessionAnswer, type SessionAsk } from '../sessions.js';
import { unknownUser, type NewUser, type Store, type StoreHealth, type StoreMetrics, type StoreRequest, type StoreStats } from '../store.js';
import { Status, type Limits, type LimitsReport, type Session, type UserInfo, type WalletLogger, type WalletResponse } from '../types.js';
import { DEFAULT_COMMIT_TIMEOUT, type PostgresSettings } from './settings.js';
import { idsOf, judgeBatch, tokensOf, usersOf, type AccountRow, type BatchItem, type EntryRow, type SessionRow } from './batch.js';
import { unlessConnectionLost } from './lost-connection.js';
import { checkSchemaName, migrate, SCHEMA } from './schema.js';
import { PostgresHistory } from './history.js';
import type { BackOffice } from '../backoffice/types.js';

interface Pending extends BatchItem {
  readonly resolve: (response: WalletResponse) => void;
  /** When the request must be answered by (`performance.now()` time), set by its first batch. */
  deadline?: number;
  /** How many times it has been put back because another session held its user's row. */
  deferrals: number;
}

/** What one committed attempt did: the requests it judged, with their answers, and those it put back. */
interface Attempt {
  readonly judged: readonly Pending[];
  readonly responses: readonly WalletResponse[];
  readonly deferred: readonly Pending[];
}

const DAY = 86_400_000;
/** The longest a batch waits for a held user row, in milliseconds (a tenth of the commit timeout up to this). */
const MAX_PATIENCE = 500;
/** The longest pause, in milliseconds, before a request whose user's row was held is tried again. */
const MAX_DEFER_PAUSE = 100;
/** PostgreSQL's `boolean` type: a JavaScript boolean array is sent as `boolean[]` only when told (else it is taken for one boolean). */
const BOOL = 16;
/** Rows deleted per retention statement, so that a pass never holds many locks at once. */
const RETENTION_CHUNK = 1_000;

/**
 * The PostgreSQL store: state in the database, shared by any number of processes. Requests that
 * arrive in one event-loop turn, and those that arrive while a batch commits, go to the database
 * as one transaction: lock the batch's users' rows in name order (the mailbox across processes),
 * read the transaction ids the batch names, judge every request by the rules in arrival order,
 * write set-based, commit. Every answer leaves after the commit that judged it. A user whose row
 * another session holds for long waits for a later batch; a request the database refuses fails
 * alone.
 */
export class PostgresStore implements Store {
  readonly synchronous = false;
  #sql: Sql;
  readonly #connect: () => Sql;
  readonly #schema: string;
  readonly #batchesInFlight: number;
  readonly #maxBatch: number;
  readonly #commitTimeout: number;
  /**
   * Milliseconds a batch waits for a user row another transaction holds before it stops waiting
   * for held rows: longer than another batch holds one, short against the commit timeout.
   */
  readonly #patience: number;
  readonly #retentionDays: number;
  readonly #clock: () => number;
  readonly #logger: WalletLogger | undefined;
  readonly #running = new Set<Promise<void>>();
  /** Pauses of requests put back because their user's row was held by another session. */
  readonly #putBack = new Set<Promise<void>>();
  readonly #retention: NodeJS.Timeout | undefined;
  #ready: Promise<void> | undefined;
  #pending: Pending[] = [];
  #scheduled = false;
  #closed: Promise<void> | undefined;
  #batches = 0;
  #history: PostgresHistory | undefined;
  #batched = 0;
  #commitSeconds = 0;
  /** The host of the URL that the next pool tries first. */
  #firstHost = 0;
  readonly #hostCount: number;
  readonly #requireToken: boolean;

  constructor(settings: PostgresSettings, requireToken = false) {
    this.#requireToken = requireToken;
    const { url, schema = SCHEMA, poolSize = 10, batchesInFlight = Math.min(4, poolSize), maxBatch = 250, commitTimeout = DEFAULT_COMMIT_TIMEOUT, retentionDays = DEFAULT_RETENTION_DAYS, retentionInterval = 60_000 } = settings;
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
    this.#patience = Math.max(1, Math.min(MAX_PATIENCE, Math.floor(commitTimeout / 10)));
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

  /** The back office's read side: queries of their own, outside every batch (lib/pg/history.ts). */
  backOffice(): BackOffice {
    this.#history ??= new PostgresHistory(async () => {
      await this.#whenReady();
      return this.#sql;
    }, this.#clock);
    return this.#history;
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
      this.#pending.push({ user, request, requestUuid, resolve, deferrals: 0 });
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
        INSERT INTO wallets (name, currency, balance, opening_balance, info)
        SELECT name, currency, balance, balance, info::jsonb
        FROM unnest(${part.map((u) => u.user)}::text[], ${part.map((u) => u.currency)}::text[], ${part.map((u) => String(u.balance))}::int8[],
                    ${part.map((u) => (u.info === undefined ? null : JSON.stringify(u.info)))}::text[]) AS v(name, currency, balance, info)
        ON CONFLICT (name) DO NOTHING`;
    }
  }

  async setUserDisabled(user: string, disabled: boolean): Promise<boolean> {
    await this.#whenReady();
    // A row another session holds is waited for no longer than a batch waits, and the
    // connection is then free again.
    return this.#sql.begin(async (sql) => {
      const [, rows] = await unlessConnectionLost(Promise.all([
        sql`SELECT set_config('statement_timeout', ${String(this.#commitTimeout)}, true)`,
        sql`UPDATE wallets SET disabled = ${disabled} WHERE name = ${user} RETURNING id`,
      ]));
      return rows.length > 0;
    });
  }

  async openSession(ask: SessionAsk): Promise<Session | undefined> {
    await this.#whenReady();
    const token = newToken();
    const session = openedSession(ask, this.#clock());
    const [row] = await this.#sql<Array<{ currency: string }>>`
      WITH w AS (SELECT id, currency FROM wallets WHERE name = ${ask.user}),
           s AS (INSERT INTO sessions (token, wallet_id, game_code, expires_at)
                 SELECT ${token}, id, ${session.gameCode ?? null}, ${new Date(session.expiresAt)} FROM w RETURNING token)
      SELECT w.currency FROM w, s`;
    return row === undefined ? undefined : sessionAnswer(token, session, row.currency);
  }

  async closeSession(token: string): Promise<boolean> {
    await this.#whenReady();
    const rows = await this.#sql`DELETE FROM sessions WHERE token = ${token}`;
    return rows.count > 0;
  }

  async userInfo(user: string): Promise<UserInfo | undefined> {
    await this.#whenReady();
    const [row] = await this.#sql<Array<{ info: UserInfo | null }>>`SELECT info FROM wallets WHERE name = ${user}`;
    return row === undefined ? undefined : (row.info ?? {});
  }

  async setUserInfo(user: string, info: UserInfo): Promise<boolean> {
    await this.#whenReady();
    // Through text: a parameter typed jsonb would be serialized again, and stored as a JSON string.
    const rows = await this.#sql`UPDATE wallets SET info = ${JSON.stringify(info)}::text::jsonb WHERE name = ${user}`;
    return rows.count > 0;
  }

  async setLimits(user: string, update: Partial<Limits>): Promise<LimitsReport | undefined> {
    await this.#whenReady();
    // The user's row is locked as a batch locks it, so the limits change between two of its batches.
    return this.#sql.begin(async (sql) => {
      await sql`SELECT set_config('statement_timeout', ${String(this.#commitTimeout)}, true)`;
      const [row] = await sql<Array<{ limits: LimitState | null; usage: Usage | null }>>`SELECT limits, usage FROM wallets WHERE name = ${user} FOR UPDATE`;
      if (row === undefined) return undefined;
      const now = this.#clock();
      const state = setLimits(row.limits ?? undefined, update, now);
      const kept = isUnlimited(state) ? undefined : state;
      await sql`UPDATE wallets SET limits = ${kept === undefined ? null : JSON.stringify(kept)}::text::jsonb WHERE name = ${user}`;
      return limitsReport(user, kept, row.usage ?? undefined, now);
    });
  }

  async getLimits(user: string): Promise<LimitsReport | undefined> {
    await this.#whenReady();
    const [row] = await this.#sql<Array<{ limits: LimitState | null; usage: Usage | null }>>`SELECT limits, usage FROM wallets WHERE name = ${user}`;
    return row === undefined ? undefined : limitsReport(user, row.limits ?? undefined, row.usage ?? undefined, this.#clock());
  }

  async stats(): Promise<StoreStats> {
    await this.#whenReady();
    const [row] = await this.#sql<Array<{ users: string; transactions: string }>>`
      SELECT (SELECT count(*) FROM wallets) AS users,
             (SELECT count(*) FROM transactions WHERE kind <> ${this.#sql.unsafe(String(KIND.reserved))}) AS transactions`;
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
   * One retention pass: deletes rows whose last change is older than the retention period (a
   * settled bet counts from its win or rollback), a chunk at a time, never an open bet. Resolves
   * to the number of rows deleted. Runs by itself every `retentionInterval`.
   */
  async purge(): Promise<number> {
    await this.#whenReady();
    await this.#sql`DELETE FROM sessions WHERE expires_at < ${new Date(this.#clock() - EXPIRED_SESSION_KEPT_MS)}`;
    if (this.#retentionDays <= 0) return 0;
    const cutoff = new Date(this.#clock() - this.#retentionDays * DAY);
    let deleted = 0;
    for (;;) {
      const count = await this.#sql.begin((sql) => this.#purgeChunk(sql, cutoff));
      deleted += count;
      if (count < RETENTION_CHUNK) return deleted;
    }
  }

  /**
   * Deletes up to a chunk of rows older than `cutoff` and brings the rounds they carried up to
   * date, in one transaction; resolves to the number of rows deleted.
   */
  async #purgeChunk(sql: TransactionSql, cutoff: Date): Promise<number> {
    // A lock held longer than a commit may take (an operator's session) fails the pass, which the
    // next one tries again, rather than keep a connection of the pool waiting.
    await unlessConnectionLost(sql`SELECT set_config('lock_timeout', ${String(this.#commitTimeout)}, true)`);
    // Found through the transactions_changed index and deleted by physical address, so a pass
    // reads only the old part of the table. The address is safe to use: a row chosen is never
    // an open bet, and no other row is ever written again.
    const groups = await unlessConnectionLost(sql<Array<{ wallet_id: string; round: string | null; round_text: string | null; count: string }>>`
      WITH gone AS (
        DELETE FROM transactions WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM transactions
          WHERE coalesce(settled_at, created_at) < ${cutoff} AND NOT (${sql.unsafe(KEPT_WHATEVER_AGE_SQL)})
          LIMIT ${RETENTION_CHUNK}))
        RETURNING wallet_id, round, round_text)
      SELECT wallet_id, round::text AS round, round_text, count(*) AS count FROM gone GROUP BY wallet_id, round, round_text`);
    const touched = groups.filter((group) => group.round !== null || group.round_text !== null);
    if (touched.length > 0) {
      // The rounds that lost rows are computed again from the rows left. Their users' rows are
      // locked first, in the order batches lock them: a batch writing one of these rounds has
      // committed (and is seen) or waits for this commit, so no write of a round is lost.
      const walletIds = [...new Set(touched.map((group) => group.wallet_id))];
      await unlessConnectionLost(sql`SELECT FROM wallets WHERE id = ANY(${walletIds}::int8[]) ORDER BY name FOR UPDATE`);
      await unlessConnectionLost(sql`
        WITH k AS (
          SELECT * FROM unnest(${touched.map((g) => g.wallet_id)}::int8[], ${touched.map((g) => g.round)}::uuid[], ${touched.map((g) => g.round_text)}::text[])
            AS k(wallet_id, round, round_text)
        ), hit AS (
          SELECT t.wallet_id, t.round, t.round_text, t.round_closed, t.created_at
          FROM k JOIN transactions t ON t.round = k.round AND t.wallet_id = k.wallet_id
          UNION ALL
          SELECT t.wallet_id, t.round, t.round_text, t.round_closed, t.created_at
          FROM k JOIN transactions t ON round_key(t.round_text) = round_key(k.round_text) AND t.round_text = k.round_text AND t.wallet_id = k.wallet_id
        ), left_open AS (
          SELECT wallet_id, round, round_text, max(created_at) AS last_at FROM hit
          GROUP BY wallet_id, round, round_text HAVING NOT bool_or(round_closed)
        ), closed_or_gone AS (
          DELETE FROM rounds r USING k
          WHERE r.wallet_id = k.wallet_id AND (r.round = k.round OR (round_key(r.round_text) = round_key(k.round_text) AND r.round_text = k.round_text))
            AND NOT EXISTS (SELECT FROM left_open o WHERE o.wallet_id = r.wallet_id AND (o.round = r.round OR o.round_text = r.round_text))
        ), by_uuid AS (
          INSERT INTO rounds AS r (wallet_id, last_at, round) SELECT wallet_id, last_at, round FROM left_open WHERE round IS NOT NULL
          ON CONFLICT (wallet_id, round) WHERE round IS NOT NULL DO UPDATE SET last_at = excluded.last_at
        )
        INSERT INTO rounds AS r (wallet_id, last_at, round_text) SELECT wallet_id, last_at, round_text FROM left_open WHERE round_text IS NOT NULL
        ON CONFLICT (wallet_id, round_key(round_text)) WHERE round_text IS NOT NULL DO UPDATE SET last_at = excluded.last_at`);
    }
    return groups.reduce((n, group) => n + Number(group.count), 0);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#retention !== undefined) clearInterval(this.#retention);
      while (this.#pending.length > 0 || this.#running.size > 0 || this.#putBack.size > 0) {
        this.#flush();
        await Promise.all([...this.#running, ...this.#putBack]);
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
   * Answers one batch by the commit timeout. Each request is answered once: by the commit that
   * judged it, or `RS_ERROR_UNKNOWN` when the batch could not commit in time (every request
   * still waiting then), when the database refused the request itself, or when its user's row
   * stayed held by another session for the whole commit timeout.
   */
  async #run(items: readonly Pending[]): Promise<void> {
    const started = performance.now();
    for (const item of items) item.deadline ??= started + this.#commitTimeout;
    // Attempts stop, and the server cancels their statements, a patience before the batch is
    // answered, so a request answered RS_ERROR_UNKNOWN for the timeout is not committed after.
    const deadline = started + this.#commitTimeout - this.#patience;
    // The requests of the batch not yet answered or put back.
    const waiting = new Set(items);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#fail(waiting, waiting, new Error(`not committed within ${this.#commitTimeout} ms`));
        resolve();
      }, this.#commitTimeout);
    });
    await Promise.race([this.#settle(items, deadline, waiting), timeout]);
    clearTimeout(timer);
  }

  /** Answers those of `items` still `waiting` `RS_ERROR_UNKNOWN`, and logs why. */
  #fail(items: Iterable<Pending>, waiting: Set<Pending>, error: unknown): void {
    const failed = [...items].filter((item) => waiting.delete(item));
    if (failed.length === 0) return;
    this.#logger?.error({ err: error, requests: failed.length }, isDataError(error) ? 'request refused by the database; answered RS_ERROR_UNKNOWN' : 'batch not committed; answered RS_ERROR_UNKNOWN');
    for (const item of failed) item.resolve(unknownUser(Status.UNKNOWN, item.user, item.requestUuid));
  }

  /**
   * Commits `items` and answers them. A batch the database refuses for its data (SQLSTATE class
   * 22 or 23, other than a claimed id) is split in two halves committed in turn, so a request it
   * cannot take fails alone and the others are judged as if it had never come. Answers or puts
   * back only requests still `waiting` (the commit timeout may have answered them). Never rejects.
   */
  async #settle(items: readonly Pending[], deadline: number, waiting: Set<Pending>): Promise<void> {
    let attempt: Attempt;
    try {
      attempt = await this.#commit(items, deadline);
    } catch (error) {
      if (isDataError(error) && items.length > 1) {
        const half = Math.ceil(items.length / 2);
        await this.#settle(items.slice(0, half), deadline, waiting);
        await this.#settle(items.slice(half), deadline, waiting);
      } else {
        this.#fail(items, waiting, error);
      }
      return;
    }
    attempt.judged.forEach((item, i) => {
      if (waiting.delete(item)) item.resolve(attempt.responses[i] as WalletResponse);
    });
    const deferred = attempt.deferred.filter((item) => waiting.delete(item));
    if (deferred.length > 0) this.#defer(deferred);
  }

  /**
   * Puts back requests whose user's row another session holds (an operator's `SELECT ... FOR
   * UPDATE`, a long report), to be tried again in a later batch after a pause that grows, the
   * last try at its commit timeout; a request still held then is answered `RS_ERROR_UNKNOWN`.
   */
  #defer(items: readonly Pending[]): void {
    const now = performance.now();
    const later: Pending[] = [];
    let pause = MAX_DEFER_PAUSE;
    for (const item of items) {
      const left = (item.deadline as number) - now;
      const wait = Math.min(MAX_DEFER_PAUSE, 5 * 2 ** item.deferrals, left);
      item.deferrals += 1;
      if (left > 0) {
        later.push(item);
        pause = Math.min(pause, wait);
      } else {
        this.#logger?.error({ user: item.user }, `user row held by another session for ${this.#commitTimeout} ms; answered RS_ERROR_UNKNOWN`);
        item.resolve(unknownUser(Status.UNKNOWN, item.user, item.requestUuid));
      }
    }
    if (later.length === 0) return;
    const waited: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, pause)).then(() => {
      this.#putBack.delete(waited);
      this.#pending = [...later, ...this.#pending]; // they arrived before anything still pending
      this.#schedule();
    });
    this.#putBack.add(waited);
  }

  /**
   * Commits one batch, retrying what can be retried (a claimed id, a deadlock, a lost
   * connection: the batch is resent unchanged and judged afresh, so what did commit replays)
   * until `deadline`, then rejects with the last error. A user row still held after the
   * batch's patience is retried at once without waiting for any held row.
   */
  async #commit(items: readonly Pending[], deadline: number): Promise<Attempt> {
    let skipHeld = false;
    for (let attempt = 0; ; attempt += 1) {
      if (performance.now() >= deadline) throw new Error(`not committed within ${this.#commitTimeout} ms`);
      const pool = this.#sql;
      try {
        await this.#whenReady();
        const started = performance.now();
        const done = await this.#attempt(items, deadline, skipHeld);
        this.#commitSeconds += (performance.now() - started) / 1000;
        this.#batches += 1;
        this.#batched += done.judged.length;
        return done;
      } catch (error) {
        if (isDataError(error)) throw error; // the same data fails the same way again
        if (isLockNotAvailable(error) && !skipHeld) {
          skipHeld = true;
          continue;
        }
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
   * writes. Users' rows are locked in name order, waiting for a row another batch holds (of
   * this or another process) up to the store's patience; past it the attempt fails and is
   * retried with `skipHeld`. Rows are then locked with SKIP LOCKED, as they always are for
   * requests put back before: a row still held is not waited for, and its user's requests are
   * put back for a later batch rather than holding up the rest. Every statement is cancelled by
   * the server at the batch's deadline, so an attempt never keeps its connection past it.
   * (`sql.begin` rather than a reserved connection: it fails cleanly when the connection dies
   * mid-transaction, provided no query failure reaches it then: see `unlessConnectionLost`.)
   */
  #attempt(items: readonly Pending[], deadline: number, skipHeld: boolean): Promise<Attempt> {
    const patient = skipHeld ? [] : usersOf(items.filter((item) => item.deferrals === 0));
    const waitedFor = new Set(patient);
    const skipping = usersOf(items).filter((user) => !waitedFor.has(user));
    const ids = idsOf(items);
    const tokens = this.#requireToken ? tokensOf(items) : [];
    const timeout = Math.max(1, Math.ceil(deadline - performance.now()));
    return this.#sql.begin(async (sql) => {
      const none = Promise.resolve([]);
      const patience = patient.length === 0 ? 0 : Math.min(this.#patience, timeout);
      const [, waited, , skipped, existing, entries, sessions] = await unlessConnectionLost(Promise.all([
        sql`SELECT set_config('statement_timeout', ${String(timeout)}, true), set_config('lock_timeout', ${String(patience)}, true)`,
        patient.length === 0
          ? none
          : sql<AccountRow[]>`
              SELECT id, name, currency, balance, disabled, limits, usage FROM wallets
              WHERE name = ANY(${patient}::text[]) ORDER BY name FOR UPDATE`,
        // The patience is for the users' rows only: writes wait as long as the statement timeout lets them.
        patient.length === 0 ? none : sql`SELECT set_config('lock_timeout', '0', true)`,
        skipping.length === 0
          ? none
          : sql<AccountRow[]>`
              SELECT id, name, currency, balance, disabled, limits, usage FROM wallets
              WHERE name = ANY(${skipping}::text[]) FOR UPDATE SKIP LOCKED`,
        skipping.length === 0 ? none : sql<Array<{ name: string }>>`SELECT name FROM wallets WHERE name = ANY(${skipping}::text[])`,
        ids.length === 0
          ? (none as Promise<EntryRow[]>)
          : sql<EntryRow[]>`
              SELECT t.transaction_uuid, w.name, t.kind, t.state, t.amount, t.balance, t.request_uuid, t.request_uuid_text, t.fingerprint,
                     t.is_free, (extract(epoch FROM t.created_at) * 1000)::float8 AS at
              FROM transactions t JOIN wallets w ON w.id = t.wallet_id
              WHERE t.transaction_uuid = ANY(${ids}::uuid[])`,
        tokens.length === 0
          ? (none as Promise<SessionRow[]>)
          : sql<SessionRow[]>`
              SELECT s.token, w.name, s.game_code, (extract(epoch FROM s.expires_at) * 1000)::float8 AS expires_at
              FROM sessions s JOIN wallets w ON w.id = s.wallet_id
              WHERE s.token = ANY(${tokens}::text[])`,
      ]));
      const { judged, deferred } = heldElsewhere(items, skipped, existing);
      const time = this.#clock();
      const now = new Date(time);
      const { responses, writes } = judgeBatch(judged, [...waited, ...skipped], entries, time, this.#requireToken, sessions);
      const { inserted, settled, balances, rounds } = writes;
      await unlessConnectionLost(Promise.all([
        // First, so that it sees the round's transactions stored before this batch only: a round
        // without a row but with transactions is closed. Under the user's row lock, as every
        // write of its rounds but retention's (which takes that lock too).
        rounds.walletIds.length === 0
          ? undefined
          : sql`
              WITH v AS (
                SELECT * FROM unnest(${rounds.walletIds}::int8[], ${rounds.uuids}::uuid[], ${rounds.texts}::text[], ${sql.array(rounds.closeds, BOOL)}::bool[])
                  AS v(wallet_id, round, round_text, closed)
              ), closing AS (
                DELETE FROM rounds r USING v
                WHERE v.closed AND r.wallet_id = v.wallet_id
                  AND (r.round = v.round OR (round_key(r.round_text) = round_key(v.round_text) AND r.round_text = v.round_text))
              ), open AS (
                SELECT v.* FROM v
                WHERE NOT v.closed
                  AND (EXISTS (SELECT FROM rounds o WHERE o.wallet_id = v.wallet_id
                                 AND (o.round = v.round OR (round_key(o.round_text) = round_key(v.round_text) AND o.round_text = v.round_text)))
                       OR NOT (EXISTS (SELECT FROM transactions t WHERE t.round = v.round AND t.wallet_id = v.wallet_id)
                               OR EXISTS (SELECT FROM transactions t
                                          WHERE round_key(t.round_text) = round_key(v.round_text) AND t.round_text = v.round_text AND t.wallet_id = v.wallet_id)))
              ), by_uuid AS (
                INSERT INTO rounds AS r (wallet_id, last_at, round) SELECT wallet_id, ${now}, round FROM open WHERE round IS NOT NULL
                ON CONFLICT (wallet_id, round) WHERE round IS NOT NULL DO UPDATE SET last_at = greatest(r.last_at, excluded.last_at)
              )
              INSERT INTO rounds AS r (wallet_id, last_at, round_text) SELECT wallet_id, ${now}, round_text FROM open WHERE round_text IS NOT NULL
              ON CONFLICT (wallet_id, round_key(round_text)) WHERE round_text IS NOT NULL DO UPDATE SET last_at = greatest(r.last_at, excluded.last_at)`,
        inserted.ids.length === 0
          ? undefined
          : sql`
              INSERT INTO transactions
                (transaction_uuid, wallet_id, kind, state, amount, balance, request_uuid, request_uuid_text, fingerprint, reference, is_free,
                 round, round_text, round_closed, game_code, created_at)
              SELECT id, wallet_id, kind, state, amount, balance, request_uuid, request_uuid_text, decode(fingerprint, 'hex'), reference, is_free,
                     round, round_text, round_closed, game_code, ${now}
              FROM unnest(${inserted.ids}::uuid[], ${inserted.walletIds}::int8[], ${inserted.kinds}::int2[], ${inserted.states}::int2[],
                          ${inserted.amounts}::int8[], ${inserted.balances}::int8[], ${inserted.requestUuids}::uuid[],
                          ${inserted.requestTexts}::text[], ${inserted.fingerprints}::text[], ${inserted.references}::uuid[], ${sql.array(inserted.frees, BOOL)}::bool[],
                          ${inserted.rounds}::uuid[], ${inserted.roundTexts}::text[], ${sql.array(inserted.roundCloseds, BOOL)}::bool[], ${inserted.gameCodes}::text[])
                AS v(id, wallet_id, kind, state, amount, balance, request_uuid, request_uuid_text, fingerprint, reference, is_free,
                     round, round_text, round_closed, game_code)`,
        settled.ids.length === 0
          ? undefined
          : sql`
              UPDATE transactions t SET state = v.state, settled_at = ${now}
              FROM unnest(${settled.ids}::uuid[], ${settled.states}::int2[]) AS v(id, state)
              WHERE t.transaction_uuid = v.id`,
        balances.walletIds.length === 0
          ? undefined
          : sql`
              UPDATE wallets w SET balance = v.balance, usage = coalesce(v.usage::jsonb, w.usage)
              FROM unnest(${balances.walletIds}::int8[], ${balances.balances}::int8[], ${balances.usages}::text[]) AS v(id, balance, usage)
              WHERE w.id = v.id`,
      ]));
      return { judged, responses, deferred };
    });
  }
}

/**
 * Splits `items` into those to judge now and those whose user's row exists but another session
 * holds it: of the rows locked with SKIP LOCKED, `skipped` are those the attempt got and
 * `existing` all that exist.
 */
function heldElsewhere(items: readonly Pending[], skipped: readonly AccountRow[], existing: ReadonlyArray<{ name: string }>): { judged: Pending[]; deferred: Pending[] } {
  if (skipped.length === existing.length) return { judged: [...items], deferred: [] };
  const ours = new Set(skipped.map((row) => row.name));
  const held = new Set(existing.map((row) => row.name).filter((name) => !ours.has(name)));
  const judged: Pending[] = [];
  const deferred: Pending[] = [];
  for (const item of items) (held.has(item.user) ? deferred : judged).push(item);
  return { judged, deferred };
}

/** Whether `error` is a lock wait that ran out of patience (`lock_timeout`). */
function isLockNotAvailable(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === '55P03';
}

/**
 * Whether `error` says the database cannot take some value of the batch (SQLSTATE class 22, data
 * exception, or 23, integrity violation): the same batch would fail again. A unique violation is
 * not: it is an id another process claimed first, and a retry replays or refuses it.
 */
function isDataError(error: unknown): boolean {
  if (!(error instanceof postgres.PostgresError)) return false;
  return error.code.startsWith('22') || (error.code.startsWith('23') && error.code !== '23505');
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
