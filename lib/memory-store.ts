import { getHeapStatistics } from 'node:v8';
import { commandDetails, entryDetails, MemoryHistory } from './backoffice/memory-history.js';
import type { BackOffice } from './backoffice/types.js';
import { checkedClock } from './clock.js';
import type { JournalFileSystem } from './journal/append-log.js';
import { Durability } from './journal/durability.js';
import type { JournalRecord } from './journal/format.js';
import { entryLines, type EncodedLines } from './journal/entry-lines.js';
import type { RecoveryReport, StateView } from './journal/store.js';
import { DEFAULT_RETENTION_DAYS } from './options.js';
import { MINUTE_SECONDS, TransactionRegistry } from './registry.js';
import { StoreUnavailableError } from './errors.js';
import { isUnlimited, limitsReport, setLimits, type LimitState, type Usage } from './limits.js';
import { decide, judgeBalance, type Account, type Application, type Context } from './rules.js';
import { respond } from './respond.js';
import { EXPIRED_SESSION_KEPT_MS, newToken, openedSession, sessionAnswer, type SessionAsk, type SessionState } from './sessions.js';
import { unknownUser, userResponse, type NewUser, type Store, type StoreHealth, type StoreMetrics, type StoreRequest, type StoreStats } from './store.js';
import { Status, type Limits, type LimitsReport, type Session, type UserInfo, type WalletLogger, type WalletResponse } from './types.js';
import type { Command } from './validation.js';

/** A user's account in memory: one small object, changed in place. */
class MemoryAccount implements Account {
  constructor(
    readonly currency: string,
    public balance: number,
    public disabled = false,
  ) {}

  /** The user's number in the registry, once it has one: looked up once rather than by name per record. */
  userNumber = -1;
  limits: LimitState | undefined = undefined;
  usage: Usage | undefined = undefined;
  info: UserInfo | undefined = undefined;
}

/** Where and how often the embedded store journals, and the engine settings it holds the journal to. */
export interface JournalSettings {
  readonly directory: string;
  readonly snapshotEvery: number;
  readonly currency: string;
  readonly initialBalance: number;
  /** What the journal is written through; `node:fs` unless a test watches the calls. */
  readonly fs?: JournalFileSystem;
}

/** How long the embedded store keeps records, and how it guards its heap. */
export interface MemorySettings {
  /** Days a transaction record is kept; 0 keeps every record. Default {@link DEFAULT_RETENTION_DAYS}. */
  readonly retentionDays?: number;
  /** Milliseconds between retention passes. Default one hour. */
  readonly retentionInterval?: number;
  /** The time in milliseconds since the epoch: records are stamped with it. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * New transactions are refused once the used heap passes this share of the heap's limit for
   * long-lived data (V8's heap limit less its young generation). Default 0.9.
   */
  readonly heapLimitRatio?: number;
  /**
   * Bytes the process may hold (its resident set): new transactions are refused once it passes
   * them and the store would need more memory to take them. No limit by default.
   */
  readonly memoryLimit?: number;
  /** Whether bets and balance calls must carry an open session's token (SPEC 10). */
  readonly requireToken?: boolean;
  readonly logger?: WalletLogger;
}

const DAY_MINUTES = 1_440;
/**
 * V8's young generation at its default size (three semi-spaces of 16 MiB): the heap limit
 * counts it, but what the store keeps lives in the old generation, whose own limit is where the
 * process dies (at 128 MiB of old space the heap limit reads 176 MiB).
 */
const YOUNG_GENERATION_BYTES = 48 * 2 ** 20;
const MINUTE = 60_000;
/** Requests between two looks at memory while it is below the limits (one look costs a few microseconds). */
const MEMORY_CHECK_EVERY = 1_000;

/**
 * The embedded store: accounts and the registry in this process's memory, optionally with a
 * write-ahead journal on disk. Every request is judged and applied synchronously, in one step;
 * with a journal, {@link release} holds each answer until what it reflects is on disk.
 *
 * Records older than the retention period are dropped, never an open bet (see {@link purge}),
 * and new transactions are refused while memory is nearly full (the heap, or the process's
 * resident set against `memoryLimit`; replays and balance calls are still answered), so that the
 * process never runs out of memory.
 */
export class MemoryStore implements Store {
  readonly synchronous = true;
  readonly #accounts = new Map<string, MemoryAccount>();
  /** Open sessions by token, until closed or dropped by a retention pass a day after they expire. */
  readonly #sessions = new Map<string, SessionState>();
  readonly #sessionOf = (token: string): SessionState | undefined => this.#sessions.get(token);
  readonly #requireToken: boolean;
  readonly #registry: TransactionRegistry;
  /** What the back office reads beyond the registry: columns beside its rows. */
  readonly #history: MemoryHistory;
  readonly #durability: Durability | undefined;
  readonly #retentionDays: number;
  readonly #clock: () => number;
  readonly #retention: NodeJS.Timeout | undefined;
  readonly #heapLimit: number;
  readonly #memoryLimit: number | undefined;
  readonly #logger: WalletLogger | undefined;
  /** Requests until the next look at memory. */
  #memoryCheckIn = 0;
  /** True while memory is past a limit: new transactions are refused. */
  #overloaded = false;
  /** While recovery replays a journal: the time its commands were applied at (minutes since the epoch), once it says. */
  #journaledMinutes: number | undefined;
  /**
   * While a snapshot reads the users: how many it covers (the first in the map's order; users
   * are never removed) and the record of each covered user changed since it began, as it was.
   */
  #snapshotUsers: { readonly count: number; readonly before: Map<string, JournalRecord> } | undefined;
  /** True while recovery replays the journal: nothing is journaled again. */
  #restoring = false;
  readonly #defaultCurrency: string;

  constructor(defaultCurrency: string, journal?: JournalSettings, settings: MemorySettings = {}) {
    const { retentionDays = DEFAULT_RETENTION_DAYS, retentionInterval = 3_600_000, clock = Date.now, heapLimitRatio = 0.9, memoryLimit, requireToken = false, logger } = settings;
    this.#defaultCurrency = defaultCurrency;
    this.#requireToken = requireToken;
    this.#retentionDays = retentionDays;
    this.#clock = checkedClock(clock);
    this.#registry = new TransactionRegistry();
    this.#history = new MemoryHistory(this.#registry, (user) => this.#accounts.get(user)?.currency, () => this.#clock());
    const heapLimit = getHeapStatistics().heap_size_limit;
    this.#heapLimit = Math.max(heapLimit / 2, heapLimit - YOUNG_GENERATION_BYTES) * heapLimitRatio;
    this.#memoryLimit = memoryLimit;
    this.#logger = logger;
    if (journal !== undefined) {
      this.#restoring = true;
      try {
        this.#durability = new Durability(
          journal.directory,
          journal.snapshotEvery,
          (record) => this.#restore(record),
          () => this.#state(),
          { currency: journal.currency, initialBalance: journal.initialBalance },
          journal.fs,
        );
      } finally {
        this.#restoring = false;
        this.#journaledMinutes = undefined;
        this.#history.restored();
      }
    }
    if (retentionDays > 0) {
      this.#retention = setInterval(() => {
        this.purge().catch((error: Error) => this.#logger?.warn({ err: error }, 'retention pass failed'));
      }, retentionInterval);
      this.#retention.unref();
    }
  }

  /** What recovery found, with a journal. */
  get recovery(): RecoveryReport | undefined {
    return this.#durability?.recovery;
  }

  /** The journal's durability, if there is one (commits, snapshots, failures). */
  get durability(): Durability | undefined {
    return this.#durability;
  }

  mayExist(user: string): boolean {
    return this.#accounts.has(user);
  }

  serve(user: string, request: StoreRequest, requestUuid: string): WalletResponse {
    const account = this.#accounts.get(user);
    if (account === undefined) return unknownUser(Status.UNKNOWN, user, requestUuid);
    if (this.#durability?.failed === true) return userResponse(user, Status.UNKNOWN, requestUuid, account.currency, account.balance);
    if (request.operation === 'refused') return userResponse(user, request.status, requestUuid, account.currency, account.balance);
    const context = this.#context(); // a clock outside 1970-9999 throws here, before anything changes
    if (request.operation === 'balance') return userResponse(user, judgeBalance(user, request.token, context), requestUuid, account.currency, account.balance);
    const decision = decide(user, account, request, this.#registry.lookup, context);
    if (decision.outcome === 'apply') {
      if (this.#memoryFull()) return userResponse(user, Status.UNKNOWN, requestUuid, account.currency, account.balance);
      this.#apply(user, account, request, decision, Math.floor(context.now / MINUTE));
    }
    return respond(user, decision, account, requestUuid);
  }

  release(answer: Promise<WalletResponse>): Promise<WalletResponse> {
    return this.#durability === undefined ? answer : this.#durability.release(answer);
  }

  createUsers(users: readonly NewUser[]): Promise<void> {
    for (const { user, currency, balance, info } of users) {
      if (this.#accounts.has(user)) continue;
      const account = new MemoryAccount(currency, balance);
      this.#accounts.set(user, account);
      this.#durability?.append({ type: 'user', user, balance, currency });
      if (info !== undefined) {
        account.info = info;
        this.#durability?.append({ type: 'info', user, info });
      }
    }
    return this.#durability?.settled() ?? Promise.resolve();
  }

  async openSession(ask: SessionAsk): Promise<Session | undefined> {
    const account = this.#accounts.get(ask.user);
    if (account === undefined) return undefined;
    this.#writable();
    const token = newToken();
    const session = openedSession(ask, this.#clock());
    this.#sessions.set(token, session);
    this.#durability?.append({ type: 'session', token, user: session.user, ...(session.gameCode === undefined ? {} : { gameCode: session.gameCode }), expiresAt: session.expiresAt });
    await this.#durable();
    return sessionAnswer(token, session, account.currency);
  }

  async closeSession(token: string): Promise<boolean> {
    if (!this.#sessions.has(token)) return false;
    this.#writable();
    this.#sessions.delete(token);
    this.#durability?.append({ type: 'session-closed', token });
    await this.#durable();
    return true;
  }

  userInfo(user: string): Promise<UserInfo | undefined> {
    const account = this.#accounts.get(user);
    return Promise.resolve(account === undefined ? undefined : (account.info ?? {}));
  }

  async setUserInfo(user: string, info: UserInfo): Promise<boolean> {
    const account = this.#accounts.get(user);
    if (account === undefined) return false;
    this.#writable();
    this.#keepForSnapshot(user, account);
    account.info = info;
    this.#durability?.append({ type: 'info', user, info });
    await this.#durable();
    return true;
  }

  async setLimits(user: string, update: Partial<Limits>): Promise<LimitsReport | undefined> {
    const account = this.#accounts.get(user);
    if (account === undefined) return undefined;
    this.#writable();
    const now = this.#clock();
    const state = setLimits(account.limits, update, now);
    this.#keepForSnapshot(user, account);
    account.limits = isUnlimited(state) ? undefined : state;
    this.#durability?.append({ type: 'limits', user, limits: state.limits, pending: state.pending });
    await this.#durable();
    return limitsReport(user, account.limits, account.usage, now);
  }

  getLimits(user: string): Promise<LimitsReport | undefined> {
    const account = this.#accounts.get(user);
    return Promise.resolve(account === undefined ? undefined : limitsReport(user, account.limits, account.usage, this.#clock()));
  }

  /** Throws unless the journal (if any) can take a change: an operator's change is refused before it is made. */
  #writable(): void {
    const failure = this.#durability?.failure;
    if (failure !== undefined) throw new StoreUnavailableError(`the journal cannot be written: ${failure.message}`, { cause: failure });
  }

  /** Resolves once every change so far is on disk; rejects if the journal failed meanwhile. */
  async #durable(): Promise<void> {
    const durability = this.#durability;
    if (durability === undefined) return;
    await durability.settled();
    this.#writable();
  }

  setUserDisabled(user: string, disabled: boolean): boolean | Promise<boolean> {
    const account = this.#accounts.get(user);
    const durability = this.#durability;
    if (account === undefined || durability?.failed === true) return false;
    if (account.disabled !== disabled) {
      this.#keepForSnapshot(user, account);
      account.disabled = disabled;
      durability?.append({ type: 'disabled', user, disabled });
    }
    // Acknowledged like a response: only once the change is on disk, so a crash cannot undo it.
    return durability === undefined ? true : durability.settled().then(() => !durability.failed);
  }

  /** The back office's read side: lookups over the registry's rows and the history beside them. */
  backOffice(): BackOffice {
    return this.#history;
  }

  counts(): StoreStats {
    return { users: this.#accounts.size, transactions: this.#registry.size };
  }

  stats(): Promise<StoreStats> {
    return Promise.resolve(this.counts());
  }

  health(): Promise<StoreHealth> {
    const failure = this.#durability?.failure;
    return Promise.resolve(failure === undefined ? { store: 'memory', ok: true } : { store: 'memory', ok: false, detail: failure.message });
  }

  /**
   * One retention pass: drops the records older than `retentionDays`, never an open bet, and
   * resolves to how many. With a journal the pass is a snapshot that leaves them out, and they
   * are dropped from memory only once it is on disk: until then recovery would read them from
   * the older journals, and every request is judged with them, as recovery will judge it. If the
   * snapshot fails, nothing is dropped.
   */
  async purge(): Promise<number> {
    this.#dropExpiredSessions();
    if (this.#retentionDays <= 0) return 0;
    const durability = this.#durability;
    if (durability === undefined) return this.#dropExpired();
    const cutoff = this.#cutoff();
    if (durability.failed || this.#registry.expired(cutoff) === 0) return 0;
    // One snapshot at a time: a pass asked for during another waits for it, then takes its own.
    while (durability.snapshotting) await durability.snapshot().catch(() => {});
    let left: readonly number[] = []; // the rows the snapshot leaves out, if it can begin
    try {
      await durability.snapshot(() => {
        const state = this.#state(cutoff);
        left = state.left;
        return state;
      });
    } catch {
      return 0; // reported by the journal, and tried again by the next pass
    }
    return this.#registry.dropRows(left);
  }

  metrics(): StoreMetrics {
    return this.#durability?.metrics() ?? { commits: 0, committedRequests: 0, commitSeconds: 0 };
  }

  close(): Promise<void> {
    if (this.#retention !== undefined) clearInterval(this.#retention);
    return this.#durability?.close() ?? Promise.resolve();
  }

  /** The retention pass's cutoff: rows last changed before it (minutes since the epoch) are dropped. */
  #cutoff(): number {
    return Math.floor(this.#clock() / MINUTE) - this.#retentionDays * DAY_MINUTES;
  }

  /**
   * Now, in minutes since the epoch, as records are stamped; during recovery, the time the
   * journal says its commands were applied at, so that recovery rebuilds the ages it had.
   */
  #minutes(): number {
    return this.#restoring && this.#journaledMinutes !== undefined ? this.#journaledMinutes : Math.floor(this.#clock() / MINUTE);
  }

  /** Drops the sessions that expired more than {@link EXPIRED_SESSION_KEPT_MS} ago. */
  #dropExpiredSessions(): void {
    const before = this.#clock() - EXPIRED_SESSION_KEPT_MS;
    for (const [token, session] of this.#sessions) if (session.expiresAt < before) this.#sessions.delete(token);
  }

  /**
   * What a request is judged at: now, and whether tokens and limits are judged. Recovery replays
   * what was judged before, at the time the journal gives, and judges neither again.
   */
  #context(): Context {
    if (this.#restoring) return { now: this.#minutes() * MINUTE, enforceLimits: false };
    const now = this.#clock();
    return this.#requireToken ? { now, sessions: this.#sessionOf, enforceLimits: true } : { now, enforceLimits: true };
  }

  #dropExpired(): number {
    return this.#retentionDays > 0 ? this.#registry.purge(this.#cutoff()) : 0;
  }

  /**
   * True while memory is past a limit: the used heap past its share of V8's limit (every map the
   * store grows is on the heap, none needing a large block at once), or, with `memoryLimit`, the
   * resident set plus what the registry would allocate for its next {@link MEMORY_CHECK_EVERY}
   * rows (typed arrays outside the heap) past the limit, unless rows freed by retention are
   * there to reuse. Looked at every {@link MEMORY_CHECK_EVERY} requests, and at every request
   * while past a limit, so that service resumes as soon as memory is freed; each change is logged.
   */
  #memoryFull(): boolean {
    if (!this.#overloaded && (this.#memoryCheckIn -= 1) > 0) return false;
    this.#memoryCheckIn = MEMORY_CHECK_EVERY;
    const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
    const heapFull = used > this.#heapLimit;
    const memoryLimit = this.#memoryLimit;
    const residentSet = memoryLimit === undefined ? 0 : process.memoryUsage.rss();
    const growth = memoryLimit === undefined ? 0 : this.#registry.growthBytes(MEMORY_CHECK_EVERY);
    const overloaded = heapFull || (growth > 0 && residentSet + growth > (memoryLimit as number));
    if (overloaded !== this.#overloaded) {
      this.#overloaded = overloaded;
      const details = { usedHeapBytes: used, heapLimitBytes: limit, ...(memoryLimit === undefined ? {} : { residentSetBytes: residentSet, memoryLimitBytes: memoryLimit }), transactions: this.#registry.size };
      this.#logger?.warn(details, overloaded ? 'memory nearly full: new transactions refused until memory is freed' : 'memory below its limits again: new transactions accepted');
    }
    return overloaded;
  }

  /** Applies a decided transaction at `now` (minutes since the epoch): the time of every row it writes. */
  #apply(user: string, account: MemoryAccount, command: Command, decision: Application, now: number): void {
    if (this.#snapshotUsers !== undefined) this.#keepForSnapshot(user, account);
    account.balance = decision.balance;
    if (decision.usage !== undefined) account.usage = decision.usage;
    if (account.userNumber < 0) account.userNumber = this.#registry.userNumber(user);
    this.#registry.record(command.transactionUuid, decision.entry, now, account.userNumber);
    this.#history.recorded(this.#registry.rowOf(command.transactionUuid), account.userNumber, commandDetails(command, decision.moved, decision.entry.at ?? now * MINUTE));
    if (decision.settles !== undefined) this.#registry.settle(decision.settles.transactionUuid, decision.settles.state, now);
    if (decision.reserves !== undefined) this.#registry.reserve(decision.reserves, user, now, account.userNumber);
    if (!this.#restoring) this.#durability?.commandApplied(user, command, now, decision.entry.at);
  }

  /** Recovery: applies one record of a snapshot or journal; throws for one that does not fit. */
  #restore(record: JournalRecord): void {
    switch (record.type) {
      case 'user': {
        const account = new MemoryAccount(record.currency ?? this.#defaultCurrency, record.balance, record.disabled === true);
        if (record.info !== undefined) account.info = record.info;
        if (record.limits !== undefined) account.limits = { limits: record.limits, pending: record.pending ?? {} };
        if (record.usage !== undefined) account.usage = record.usage;
        this.#accounts.set(record.user, account);
        return;
      }
      case 'info':
        this.#known(record.user, 'sets the info of').info = record.info;
        return;
      case 'limits': {
        const state = { limits: record.limits, pending: record.pending };
        this.#known(record.user, 'sets the limits of').limits = isUnlimited(state) ? undefined : state;
        return;
      }
      case 'session':
        this.#known(record.user, 'opens a session of');
        this.#sessions.set(record.token, record.gameCode === undefined ? { user: record.user, expiresAt: record.expiresAt } : { user: record.user, gameCode: record.gameCode, expiresAt: record.expiresAt });
        return;
      case 'session-closed':
        this.#sessions.delete(record.token);
        return;
      case 'disabled': {
        const account = this.#accounts.get(record.user);
        if (account === undefined) throw new Error(`the journal disables ${record.user}, who does not exist`);
        account.disabled = record.disabled;
        return;
      }
      case 'command': {
        const { user, transactionUuid } = record;
        const account = this.#accounts.get(user);
        if (account === undefined) throw new Error(`the journal replays ${transactionUuid} for ${user}, who does not exist`);
        // An id a journal holds twice (written by an earlier version, whose retention pass let
        // records go before its snapshot was on disk): judged afresh then, and replayed so.
        this.#registry.forget(transactionUuid);
        const decision = decide(user, account, record, this.#registry.lookup, this.#context());
        if (decision.outcome !== 'apply') throw new Error(`the journal replays ${transactionUuid} for ${user} as ${decision.outcome === 'refuse' ? decision.status : 'a replay'}`);
        this.#apply(user, account, record, decision, this.#minutes());
        return;
      }
      case 'time':
        if (!Number.isSafeInteger(record.minutes) || record.minutes < 0) throw new Error(`the journal gives no time: ${String(record.minutes)}`);
        this.#journaledMinutes = record.minutes;
        return;
      case 'entry':
        // Snapshots give seconds; one without a time (older versions wrote none) counts from now.
        this.#registry.record(record.transactionUuid, record, record.created === undefined ? this.#minutes() : Math.floor(record.created / MINUTE_SECONDS));
        this.#restoreHistory(record);
        return;
      default:
        return; // settings and end lines are the journal's own
    }
  }

  /** Recovery: the back office's details of a snapshot's `entry` record. */
  #restoreHistory(record: JournalRecord & { readonly type: 'entry' }): void {
    const details = entryDetails(record);
    if (details !== undefined) this.#history.restoredEntry(this.#registry.rowOf(record.transactionUuid), this.#registry.knownUserNumber(record.user), details);
  }

  /** Recovery: the account of `user`, who a record names; throws if there is none. */
  #known(user: string, what: string): MemoryAccount {
    const account = this.#accounts.get(user);
    if (account === undefined) throw new Error(`the journal ${what} ${user}, who does not exist`);
    return account;
  }

  /**
   * The whole state as snapshot records, as it is now, read over many event-loop turns: nothing
   * is copied now. The registry is frozen (copy on write, a segment at a time), and a user the
   * snapshot covers keeps the record of how it was before its first change meanwhile (see
   * {@link #keepForSnapshot}); users created meanwhile come after those it covers, and are left out.
   * Given a retention `cutoff`, the registry rows a pass at it drops are left out too, and listed
   * in `left` as the snapshot reads past them.
   */
  #state(cutoff?: number): StateView & { readonly left: readonly number[] } {
    const accounts = this.#accounts;
    const covered = { count: accounts.size, before: new Map<string, JournalRecord>() };
    const registry = this.#registry.freeze(cutoff);
    const history = this.#history;
    // Sessions are few (one per game launch, dropped a day after they expire): copied now.
    const sessions: JournalRecord[] = [];
    for (const [token, { user, gameCode, expiresAt }] of this.#sessions) {
      sessions.push(gameCode === undefined ? { type: 'session', token, user, expiresAt } : { type: 'session', token, user, gameCode, expiresAt });
    }
    this.#snapshotUsers = covered;
    const usersRead = (): void => {
      if (this.#snapshotUsers === covered) this.#snapshotUsers = undefined;
    };
    return {
      records: (function* (): Generator<JournalRecord | EncodedLines> {
        let n = 0;
        for (const [user, account] of accounts) {
          if (n === covered.count) break;
          n += 1;
          yield covered.before.get(user) ?? userRecord(user, account);
        }
        usersRead();
        yield* sessions;
        yield* entryLines(registry, undefined, (row) => history.detailsOf(row));
      })(),
      release: () => {
        usersRead();
        registry.release();
      },
      left: registry.left,
    };
  }

  /** Before an account changes while a snapshot reads the users: keeps how it was, once. */
  #keepForSnapshot(user: string, account: MemoryAccount): void {
    const covered = this.#snapshotUsers;
    if (covered !== undefined && !covered.before.has(user)) covered.before.set(user, userRecord(user, account));
  }
}

function userRecord(user: string, { balance, currency, disabled, info, limits, usage }: MemoryAccount): JournalRecord {
  return {
    type: 'user',
    user,
    balance,
    currency,
    ...(disabled ? { disabled } : {}),
    ...(info === undefined ? {} : { info }),
    ...(limits === undefined ? {} : { limits: limits.limits, pending: limits.pending }),
    ...(usage === undefined ? {} : { usage }),
  };
}
