/**
 * The embedded store's history: what SPEC 13 keeps of each transaction beyond what the registry
 * needs to judge requests, in typed-array columns parallel to the registry's rows (row `r` here
 * is row `r` there, so an id is found through the registry's own index), plus a chain per user
 * (each row names the user's previous row) for newest-first paging without a scan.
 *
 * Per row: the amount (8 bytes), the time in ms (8), the reference (16), the round (16, a
 * UUID-shaped round packed; another one kept as text in a side map), the game code (2, interned),
 * flags (1) and the user chain (4): 55 bytes. A row freed by retention is marked when the
 * registry drops it and unlinked from its user's chain before the next read or write.
 */
import type { TransactionRegistry } from '../registry.js';
import { CANCELLED, WON, type Entry } from '../rules.js';
import type { Command, Details } from '../validation.js';
import { addToTotals, decodeCursor, encodeCursor, finishTotals, iso, isNewer, summarizeRound } from './common.js';
import { BadCursorError, type BackOffice, type CurrencyTotals, type HistoryQuery, type Page, type RoundAnswer, type StuckQuery, type StuckRound, type TransactionRecord } from './types.js';

const SEGMENT_BITS = 14;
const SEGMENT_ROWS = 1 << SEGMENT_BITS;
const ROW_MASK = SEGMENT_ROWS - 1;
const FIRST_ROWS = 1 << 9;
const UUID_BYTES = 16;

const LIVE = 0x01;
const HAS_REF = 0x02;
const HAS_ROUND = 0x04;
const ROUND_UPPER = 0x08;
const ROUND_ODD = 0x10;
const CLOSED = 0x20;
const FREE = 0x40;
const DROPPED = 0x80;
/** A game code index that says: the code is in the side map. */
const ODD_GAME = 0xffff;
/** Rows looked at per slice of a long read before the event loop gets a turn. */
const SLICE_ROWS = 1 << 13;
/** Rows of a scan looked at between two looks at the clock. */
const STEP_ROWS = 1 << 10;
/** A scan gives the event loop a turn after this many milliseconds (page faults of fresh memory make row counts a poor guide). */
const SLICE_MS = 5;

/** What a transaction keeps for the back office beyond the registry's row (snapshot `entry` fields too). */
export interface HistoryDetails {
  /** Money moved, never negative (a rollback: its refund). */
  readonly amount: number;
  /** Ms since the epoch it was recorded at. */
  readonly at: number;
  readonly referenceUuid?: string;
  readonly round?: string;
  readonly roundClosed?: boolean;
  readonly gameCode?: string;
  readonly isFree?: boolean;
}

class Columns {
  readonly amounts: Float64Array;
  readonly ats: Float64Array;
  readonly refs: Uint8Array;
  readonly rounds: Uint8Array;
  readonly games: Uint16Array;
  readonly flags: Uint8Array;
  readonly prev: Int32Array;
  oddRounds: Map<number, string> | undefined;
  oddRefs: Map<number, string> | undefined;
  oddGames: Map<number, string> | undefined;

  constructor(readonly capacity: number) {
    this.amounts = new Float64Array(capacity);
    this.ats = new Float64Array(capacity);
    this.refs = new Uint8Array(capacity * UUID_BYTES);
    this.rounds = new Uint8Array(capacity * UUID_BYTES);
    this.games = new Uint16Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  grown(capacity: number): Columns {
    const bigger = new Columns(capacity);
    bigger.amounts.set(this.amounts);
    bigger.ats.set(this.ats);
    bigger.refs.set(this.refs);
    bigger.rounds.set(this.rounds);
    bigger.games.set(this.games);
    bigger.flags.set(this.flags);
    bigger.prev.set(this.prev);
    bigger.oddRounds = this.oddRounds;
    bigger.oddRefs = this.oddRefs;
    bigger.oddGames = this.oddGames;
    return bigger;
  }
}

const HEX = new Int8Array(128).fill(-1);
for (let d = 0; d < 16; d += 1) {
  HEX[d.toString(16).charCodeAt(0)] = d;
  if (d >= 10) HEX[d.toString(16).toUpperCase().charCodeAt(0)] = d | 0x10;
}
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const BYTE_HEX_UPPER = BYTE_HEX.map((h) => h.toUpperCase());
const NO_UUID = 0;
const LOWER = 1;
const UPPER = 2;

/** Packs a UUID-shaped text into `into` at `offset`; NO_UUID for any other text (mixed case included). */
function packUuid(text: string, into: Uint8Array, offset: number): number {
  if (text.length !== 36) return NO_UUID;
  let at = 0;
  let lower = false;
  let upper = false;
  for (let i = 0; i < UUID_BYTES; i += 1) {
    if (at === 8 || at === 13 || at === 18 || at === 23) {
      if (text.charCodeAt(at) !== 0x2d) return NO_UUID;
      at += 1;
    }
    const hc = text.charCodeAt(at);
    const lc = text.charCodeAt(at + 1);
    const h = hc < 128 ? (HEX[hc] as number) : -1;
    const l = lc < 128 ? (HEX[lc] as number) : -1;
    if ((h | l) < 0) return NO_UUID;
    if (((h | l) & 0x10) !== 0) upper = true;
    if ((h >= 10 && h < 0x10) || (l >= 10 && l < 0x10)) lower = true;
    into[offset + i] = ((h & 0x0f) << 4) | (l & 0x0f);
    at += 2;
  }
  return upper ? (lower ? NO_UUID : UPPER) : LOWER;
}

function unpackUuid(from: Uint8Array, offset: number, upper: boolean): string {
  const digits = upper ? BYTE_HEX_UPPER : BYTE_HEX;
  let hex = '';
  for (let i = 0; i < UUID_BYTES; i += 1) {
    if (i === 4 || i === 6 || i === 8 || i === 10) hex += '-';
    hex += digits[from[offset + i] as number];
  }
  return hex;
}

/** A round value as the columns compare it. */
interface RoundKey {
  readonly text: string;
  /** LOWER or UPPER with the bytes in {@link RoundKey.bytes}, or NO_UUID (compared as text). */
  readonly packed: number;
  readonly bytes: Uint8Array;
}

function roundKey(text: string): RoundKey {
  const bytes = new Uint8Array(UUID_BYTES);
  return { text, packed: packUuid(text, bytes, 0), bytes };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Where a newest-first walk of a user's chain resumes: after this row, holding this id, recorded at this time. */
interface Position {
  readonly r: number;
  readonly k: string;
  readonly t: number;
}

/**
 * The embedded store's back office: columns beside the registry's rows, written as the store
 * records transactions, read without any user's turn.
 */
export class MemoryHistory implements BackOffice {
  #columns: Columns[] = [];
  /** The newest row of each user (by the registry's user number), -1 for none. */
  #heads = new Int32Array(1 << 10).fill(-1);
  readonly #gameIds = new Map<string, number>();
  readonly #gameNames: string[] = [''];
  /** Users whose chains hold rows the registry dropped: unlinked before the next read or write. */
  readonly #dirty = new Set<number>();
  /** Counts drops, so that a read spread over event-loop turns sees that its place may be gone. */
  #drops = 0;
  /** Users whose chains recovery built from snapshot rows, not yet in time order. */
  readonly #unsorted = new Set<number>();

  constructor(
    private readonly registry: TransactionRegistry,
    /** The currency of a user, `undefined` for an unknown one. */
    private readonly currencyOf: (user: string) => string | undefined,
    /** The store's clock (ms since the epoch). */
    private readonly clock: () => number,
  ) {
    registry.onDrop = (row) => this.#dropping(row);
  }

  /** Records the details of the transaction just recorded in registry row `row`, the newest of user `userNumber`. */
  recorded(row: number, userNumber: number, details: HistoryDetails): void {
    if (this.#dirty.size > 0) this.#unlink();
    const columns = this.#writable(row);
    const at = row & ROW_MASK;
    // A row written again (recovery reading an id twice) keeps its place in the chain.
    const linked = ((columns.flags[at] as number) & (LIVE | DROPPED)) === LIVE;
    let flags = LIVE;
    columns.amounts[at] = details.amount;
    columns.ats[at] = details.at;
    const { referenceUuid, round, gameCode } = details;
    columns.oddRefs?.delete(at);
    columns.oddRounds?.delete(at);
    columns.oddGames?.delete(at);
    if (referenceUuid !== undefined) {
      flags |= HAS_REF;
      if (packUuid(referenceUuid, columns.refs, at * UUID_BYTES) !== LOWER) (columns.oddRefs ??= new Map()).set(at, referenceUuid);
    }
    if (round !== undefined) {
      flags |= HAS_ROUND;
      const packed = packUuid(round, columns.rounds, at * UUID_BYTES);
      if (packed === UPPER) flags |= ROUND_UPPER;
      else if (packed === NO_UUID) {
        flags |= ROUND_ODD;
        (columns.oddRounds ??= new Map()).set(at, round);
      }
    }
    if (details.roundClosed === true) flags |= CLOSED;
    if (details.isFree === true) flags |= FREE;
    columns.games[at] = gameCode === undefined ? 0 : this.#gameId(gameCode, columns, at);
    columns.flags[at] = flags;
    if (linked) return;
    if (userNumber >= this.#heads.length) {
      const heads = new Int32Array(Math.max(userNumber + 1, this.#heads.length * 2)).fill(-1);
      heads.set(this.#heads);
      this.#heads = heads;
    }
    columns.prev[at] = this.#heads[userNumber] as number;
    this.#heads[userNumber] = row;
  }

  /**
   * Recovery from a snapshot: records the details of an `entry` line's row. Snapshot rows come in
   * row order, not time order, so each user's chain is put in time order by {@link restored}.
   */
  restoredEntry(row: number, userNumber: number, details: HistoryDetails): void {
    this.recorded(row, userNumber, details);
    this.#unsorted.add(userNumber);
  }

  /** Recovery is over: the chains rebuilt from a snapshot are put in time order (a row's place among equal times kept). */
  restored(): void {
    for (const user of this.#unsorted) {
      const rows: number[] = [];
      for (let row = this.#heads[user] as number; row >= 0; row = (this.#columns[row >>> SEGMENT_BITS] as Columns).prev[row & ROW_MASK] as number) rows.push(row);
      rows.reverse();
      const time = (row: number): number => (this.#columns[row >>> SEGMENT_BITS] as Columns).ats[row & ROW_MASK] as number;
      rows.sort((a, b) => time(a) - time(b));
      let previous = -1;
      for (const row of rows) {
        (this.#columns[row >>> SEGMENT_BITS] as Columns).prev[row & ROW_MASK] = previous;
        previous = row;
      }
      this.#heads[user] = previous;
    }
    this.#unsorted.clear();
  }

  /** The details of registry row `row`, for a snapshot's `entry` line; `undefined` for a row that is no transaction. */
  detailsOf(row: number): HistoryDetails | undefined {
    const columns = this.#columns[row >>> SEGMENT_BITS];
    if (columns === undefined) return undefined;
    const at = row & ROW_MASK;
    const flags = columns.flags[at] as number;
    if ((flags & LIVE) === 0) return undefined;
    const round = this.#roundOf(columns, at, flags);
    const reference = this.#referenceOf(columns, at, flags);
    const game = this.#gameOf(columns, at);
    return {
      amount: columns.amounts[at] as number,
      at: columns.ats[at] as number,
      ...(reference === null ? {} : { referenceUuid: reference }),
      ...(round === null ? {} : { round }),
      ...((flags & CLOSED) !== 0 ? { roundClosed: true } : {}),
      ...(game === null ? {} : { gameCode: game }),
      ...((flags & FREE) !== 0 ? { isFree: true } : {}),
    };
  }

  #gameId(code: string, columns: Columns, at: number): number {
    let id = this.#gameIds.get(code);
    if (id === undefined) {
      if (this.#gameNames.length >= ODD_GAME) {
        (columns.oddGames ??= new Map()).set(at, code);
        return ODD_GAME;
      }
      id = this.#gameNames.length;
      this.#gameNames.push(code);
      this.#gameIds.set(code, id);
    }
    return id;
  }

  #writable(row: number): Columns {
    const i = row >>> SEGMENT_BITS;
    let columns = this.#columns[i];
    while (this.#columns.length <= i) this.#columns.push(new Columns(this.#columns.length === 0 ? FIRST_ROWS : SEGMENT_ROWS));
    columns = this.#columns[i] as Columns;
    const at = row & ROW_MASK;
    if (at >= columns.capacity) {
      let capacity = columns.capacity;
      while (capacity <= at) capacity *= 2;
      columns = columns.grown(Math.min(capacity, SEGMENT_ROWS));
      this.#columns[i] = columns;
    }
    return columns;
  }

  /** The registry is dropping `row`: marked, and unlinked from its user's chain before the next read or write. */
  #dropping(row: number): void {
    const columns = this.#columns[row >>> SEGMENT_BITS];
    if (columns === undefined || (row & ROW_MASK) >= columns.capacity) return;
    const at = row & ROW_MASK;
    const flags = columns.flags[at] as number;
    if ((flags & LIVE) === 0) return;
    columns.flags[at] = flags | DROPPED;
    this.#dirty.add(this.registry.knownUserNumber(this.registry.userOf(row)));
    this.#drops += 1;
  }

  /** Unlinks the dropped rows from their users' chains (one walk per user touched), and frees them. */
  #unlink(): void {
    for (const user of this.#dirty) {
      let next = -1; // the newer row that points at `row`
      for (let row = this.#heads[user] as number; row >= 0; ) {
        const columns = this.#columns[row >>> SEGMENT_BITS] as Columns;
        const at = row & ROW_MASK;
        const older = columns.prev[at] as number;
        if (((columns.flags[at] as number) & DROPPED) !== 0) {
          columns.flags[at] = 0;
          columns.oddRefs?.delete(at);
          columns.oddRounds?.delete(at);
          columns.oddGames?.delete(at);
          if (next < 0) this.#heads[user] = older;
          else (this.#columns[next >>> SEGMENT_BITS] as Columns).prev[next & ROW_MASK] = older;
        } else {
          next = row;
        }
        row = older;
      }
    }
    this.#dirty.clear();
  }

  #live(row: number): Columns | undefined {
    const columns = this.#columns[row >>> SEGMENT_BITS];
    if (columns === undefined || (row & ROW_MASK) >= columns.capacity) return undefined;
    const flags = columns.flags[row & ROW_MASK] as number;
    return (flags & LIVE) !== 0 && (flags & DROPPED) === 0 ? columns : undefined;
  }

  #roundOf(columns: Columns, at: number, flags: number): string | null {
    if ((flags & HAS_ROUND) === 0) return null;
    if ((flags & ROUND_ODD) !== 0) return columns.oddRounds?.get(at) ?? null;
    return unpackUuid(columns.rounds, at * UUID_BYTES, (flags & ROUND_UPPER) !== 0);
  }

  #referenceOf(columns: Columns, at: number, flags: number): string | null {
    if ((flags & HAS_REF) === 0) return null;
    return columns.oddRefs?.get(at) ?? unpackUuid(columns.refs, at * UUID_BYTES, false);
  }

  #gameOf(columns: Columns, at: number): string | null {
    const id = columns.games[at] as number;
    if (id === 0) return null;
    return id === ODD_GAME ? (columns.oddGames?.get(at) ?? null) : (this.#gameNames[id] as string);
  }

  /** Whether row `at` of `columns` carries the round `key`. */
  #hasRound(columns: Columns, at: number, flags: number, key: RoundKey): boolean {
    if ((flags & HAS_ROUND) === 0) return false;
    if ((flags & ROUND_ODD) !== 0) return key.packed === NO_UUID && columns.oddRounds?.get(at) === key.text;
    if (key.packed !== ((flags & ROUND_UPPER) !== 0 ? UPPER : LOWER)) return false;
    const o = at * UUID_BYTES;
    const rounds = columns.rounds;
    const bytes = key.bytes;
    for (let i = 0; i < UUID_BYTES; i += 1) if (rounds[o + i] !== bytes[i]) return false;
    return true;
  }

  /** The record of a live transaction row. */
  #record(row: number, columns: Columns): TransactionRecord | undefined {
    const registry = this.registry;
    const kind = registry.kindOf(row);
    if (kind === 'reserved') return undefined;
    const at = row & ROW_MASK;
    const flags = columns.flags[at] as number;
    const user = registry.userOf(row);
    const record: TransactionRecord = {
      transaction_uuid: registry.keyOf(row),
      kind,
      user,
      amount: columns.amounts[at] as number,
      currency: this.currencyOf(user) ?? '',
      balance: registry.balanceOf(row),
      reference_transaction_uuid: this.#referenceOf(columns, at, flags),
      round: this.#roundOf(columns, at, flags),
      round_closed: (flags & CLOSED) !== 0,
      game_code: this.#gameOf(columns, at),
      is_free: (flags & FREE) !== 0,
      request_uuid: registry.requestUuidOf(row),
      created_at: iso(columns.ats[at] as number),
    };
    if (kind !== 'bet') return record;
    const state = registry.stateOf(row);
    return { ...record, state: state === WON ? 'won' : state === CANCELLED ? 'cancelled' : 'open' };
  }

  lookup(ids: readonly string[]): Promise<Array<TransactionRecord | undefined>> {
    if (this.#dirty.size > 0) this.#unlink();
    return Promise.resolve(
      ids.map((id) => {
        const row = this.registry.rowOf(id.toLowerCase());
        const columns = row < 0 ? undefined : this.#live(row);
        return columns === undefined ? undefined : this.#record(row, columns);
      }),
    );
  }

  async history(user: string, query: HistoryQuery): Promise<Page<TransactionRecord> | undefined> {
    if (this.currencyOf(user) === undefined) return undefined;
    const limit = query.limit ?? 100;
    let after: Position | undefined;
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (typeof c.r !== 'number' || typeof c.k !== 'string' || typeof c.t !== 'number' || !Number.isSafeInteger(c.r)) throw new BadCursorError();
      after = { r: c.r, k: c.k, t: c.t };
    }
    const userNumber = this.registry.knownUserNumber(user);
    const items: TransactionRecord[] = [];
    if (userNumber < 0) return { items, next_cursor: null };
    const key = query.round === undefined ? undefined : roundKey(query.round);
    const { from, to, kind } = query;
    let seen = 0;
    let drops = -1;
    let row = -1;
    let last: Position | undefined = after;
    for (;;) {
      if (drops !== this.#drops) {
        if (this.#dirty.size > 0) this.#unlink();
        drops = this.#drops;
        row = this.#resume(userNumber, last);
      }
      if (row < 0) return { items, next_cursor: null };
      const columns = this.#columns[row >>> SEGMENT_BITS] as Columns;
      const at = row & ROW_MASK;
      const flags = columns.flags[at] as number;
      const time = columns.ats[at] as number;
      const older = columns.prev[at] as number;
      if ((flags & DROPPED) === 0 && (from === undefined || time >= from) && (to === undefined || time < to) && (key === undefined || this.#hasRound(columns, at, flags, key))) {
        const record = this.#record(row, columns);
        if (record !== undefined && (kind === undefined || record.kind === kind)) {
          items.push(record);
          if (items.length === limit) {
            const position: Position = { r: row, k: record.transaction_uuid, t: time };
            return { items, next_cursor: older < 0 ? null : encodeCursor(position) };
          }
        }
      }
      last = { r: row, k: this.registry.keyOf(row), t: time };
      row = older;
      if ((seen += 1) % SLICE_ROWS === 0) {
        await turn();
        // A row of the walk may have been dropped meanwhile: {@link #resume} finds the place again.
        if (drops !== this.#drops) drops = -2;
      }
    }
  }

  /** The row after `last` in `user`'s chain (the newest without one), found again if `last` was dropped. */
  #resume(user: number, last: Position | undefined): number {
    const head = this.#heads[user] as number;
    if (last === undefined) return head;
    if (this.registry.rowOf(last.k) === last.r && this.#live(last.r) !== undefined) return (this.#columns[last.r >>> SEGMENT_BITS] as Columns).prev[last.r & ROW_MASK] as number;
    // Its row is gone (retention): the first row recorded before it.
    let row = head;
    while (row >= 0) {
      const columns = this.#columns[row >>> SEGMENT_BITS] as Columns;
      const at = row & ROW_MASK;
      if (!isNewer(columns.ats[at] as number, this.registry.keyOf(row), last) && this.registry.keyOf(row) !== last.k) return row;
      row = columns.prev[at] as number;
    }
    return -1;
  }

  async round(round: string, user?: string): Promise<RoundAnswer> {
    const key = roundKey(round);
    const found = new Map<string, TransactionRecord[]>();
    const take = (row: number, columns: Columns): void => {
      const at = row & ROW_MASK;
      if (!this.#hasRound(columns, at, columns.flags[at] as number, key)) return;
      const record = this.#record(row, columns);
      if (record === undefined) return;
      const list = found.get(record.user);
      if (list === undefined) found.set(record.user, [record]);
      else list.push(record);
    };
    if (user !== undefined) {
      if (this.currencyOf(user) === undefined) return undefined;
      const number = this.registry.knownUserNumber(user);
      if (number >= 0) await this.#walkUser(number, take);
    } else {
      await this.#scan(take);
    }
    if (found.size === 0) return undefined;
    if (found.size > 1) return { ambiguous: [...found.keys()].sort() };
    const [[owner, records]] = [...found] as [[string, TransactionRecord[]]];
    return summarizeRound(round, owner, records);
  }

  async stuckRounds(query: StuckQuery): Promise<Page<StuckRound>> {
    const cutoff = this.clock() - query.idleMinutes * 60_000;
    let after: { t: number; u: string; r: string } | undefined;
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (typeof c.t !== 'number' || typeof c.u !== 'string' || typeof c.r !== 'string') throw new BadCursorError();
      after = { t: c.t, u: c.u, r: c.r };
    }
    // One slot per (user, round), its figures in typed arrays, found through an open-addressing
    // table sized for every row at once: no object per round, and no table that grows (and
    // rehashes in one go) mid-scan.
    const rows = this.#columns.reduce((n, c) => n + c.capacity, 0);
    let size = 1024;
    while (size < rows * 2) size *= 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    const rounds = new RoundTable();
    await this.#scan((row, columns) => {
      const at = row & ROW_MASK;
      const flags = columns.flags[at] as number;
      if ((flags & HAS_ROUND) === 0) return;
      const kind = this.registry.kindOf(row);
      if (kind === 'reserved') return;
      const user = this.registry.knownUserNumber(this.registry.userOf(row));
      let position = this.#roundHash(columns, at, flags, user) & mask;
      let slot = -1;
      for (;;) {
        const entry = table[position] as number;
        if (entry === 0) {
          slot = rounds.add(row, user);
          table[position] = slot + 1;
          break;
        }
        const chunk = rounds.chunk(entry - 1);
        const other = chunk.row[(entry - 1) & CHUNK_MASK] as number;
        if (chunk.user[(entry - 1) & CHUNK_MASK] === user && this.#sameRound(columns, at, flags, other)) {
          slot = entry - 1;
          break;
        }
        position = (position + 1) & mask;
      }
      rounds.take(slot, columns.ats[at] as number, kind === 'bet' ? 0 : kind === 'win' ? 1 : kind === 'rollback' ? 2 : 3, columns.amounts[at] as number, (flags & CLOSED) !== 0);
    });
    // The page: the `limit + 1` first stuck rounds after the cursor, kept in order while the slots are read.
    const limit = query.limit ?? 100;
    const best: Array<{ slot: number; last: number; user: string; round: string }> = [];
    for (let slot = 0; slot < rounds.count; slot += 1) {
      if ((slot + 1) % (SLICE_ROWS >>> 2) === 0) await turn();
      const chunk = rounds.chunk(slot);
      const i = slot & CHUNK_MASK;
      const last = chunk.last[i] as number;
      if (chunk.closed[i] === 1 || last > cutoff) continue;
      const worst = best[limit];
      if (worst !== undefined && last > worst.last) continue;
      const row = chunk.row[i] as number;
      const columns = this.#live(row); // a row dropped meanwhile: its round is gone from the answer
      if (columns === undefined) continue;
      const candidate = { slot, last, user: this.registry.userOf(row), round: this.#roundOf(columns, row & ROW_MASK, columns.flags[row & ROW_MASK] as number) as string };
      if (after !== undefined && compareStuck(last, candidate.user, candidate.round, after) <= 0) continue;
      if (worst !== undefined && compareStuck(last, candidate.user, candidate.round, { t: worst.last, u: worst.user, r: worst.round }) >= 0) continue;
      let place = best.length;
      while (place > 0 && compareStuck(last, candidate.user, candidate.round, { t: (best[place - 1] as typeof candidate).last, u: (best[place - 1] as typeof candidate).user, r: (best[place - 1] as typeof candidate).round }) < 0) place -= 1;
      best.splice(place, 0, candidate);
      if (best.length > limit + 1) best.pop();
    }
    const page = best.slice(0, limit);
    const items = page.map(({ slot, user, round, last }) => {
      const chunk = rounds.chunk(slot);
      const i = slot & CHUNK_MASK;
      return {
        round,
        user,
        currency: this.currencyOf(user) ?? '',
        status: 'open' as const,
        bet_amount: chunk.amounts[i * 3] as number,
        win_amount: chunk.amounts[i * 3 + 1] as number,
        refunded_amount: chunk.amounts[i * 3 + 2] as number,
        first_at: iso(chunk.first[i] as number),
        last_at: iso(last),
      };
    });
    const end = page.at(-1);
    return { items, next_cursor: best.length > limit && end !== undefined ? encodeCursor({ t: end.last, u: end.user, r: end.round }) : null };
  }

  /** A hash of a row's (round, user). */
  #roundHash(columns: Columns, at: number, flags: number, user: number): number {
    let h = Math.imul(user + 1, 0x9e3779b1) ^ (flags & ROUND_UPPER);
    if ((flags & ROUND_ODD) !== 0) {
      const text = columns.oddRounds?.get(at) ?? '';
      for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    } else {
      const r = columns.rounds;
      const o = at * UUID_BYTES;
      for (let i = 0; i < UUID_BYTES; i += 4) h = Math.imul(h ^ (((r[o + i] as number) << 24) | ((r[o + i + 1] as number) << 16) | ((r[o + i + 2] as number) << 8) | (r[o + i + 3] as number)), 0x85ebca6b);
    }
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 13)) >>> 0;
  }

  /** Whether row `at` of `columns` and registry row `other` carry the same round. */
  #sameRound(columns: Columns, at: number, flags: number, other: number): boolean {
    const theirs = this.#columns[other >>> SEGMENT_BITS] as Columns;
    const o = other & ROW_MASK;
    const theirFlags = theirs.flags[o] as number;
    if (((flags ^ theirFlags) & (ROUND_ODD | ROUND_UPPER)) !== 0) return false;
    if ((flags & ROUND_ODD) !== 0) return columns.oddRounds?.get(at) === theirs.oddRounds?.get(o);
    const a = columns.rounds;
    const b = theirs.rounds;
    const x = at * UUID_BYTES;
    const y = o * UUID_BYTES;
    for (let i = 0; i < UUID_BYTES; i += 1) if (a[x + i] !== b[y + i]) return false;
    return true;
  }

  async dailyReport(dayStart: number): Promise<CurrencyTotals[]> {
    const totals = new Map<string, CurrencyTotals>();
    const dayEnd = dayStart + 86_400_000;
    await this.#scan((row, columns) => {
      const at = row & ROW_MASK;
      const time = columns.ats[at] as number;
      if (time < dayStart || time >= dayEnd) return;
      const kind = this.registry.kindOf(row);
      if (kind === 'reserved') return;
      const user = this.registry.userOf(row);
      addToTotals(totals, this.currencyOf(user) ?? '', kind, columns.amounts[at] as number, ((columns.flags[at] as number) & FREE) !== 0);
    });
    return finishTotals(totals);
  }

  async *records(from: number | undefined, to: number | undefined): AsyncIterable<TransactionRecord> {
    // Rows in the order they were laid down (a row freed by retention is reused by a later record).
    const batch: TransactionRecord[] = [];
    const take = (row: number, columns: Columns): void => {
      const time = columns.ats[row & ROW_MASK] as number;
      if ((from !== undefined && time < from) || (to !== undefined && time >= to)) return;
      const record = this.#record(row, columns);
      if (record !== undefined) batch.push(record);
    };
    for (let start = 0; ; ) {
      if (this.#dirty.size > 0) this.#unlink();
      const until = performance.now() + SLICE_MS;
      let more = true;
      do {
        more = this.#slice(start, take);
        start += STEP_ROWS;
      } while (more && performance.now() < until);
      yield* batch.splice(0);
      if (!more) return;
      await turn();
    }
  }

  /**
   * Visits the live rows from `start` to `start + STEP_ROWS` (within one segment, as STEP_ROWS
   * divides a segment's rows); false once `start` is past every segment.
   */
  #slice(start: number, visit: (row: number, columns: Columns) => void): boolean {
    const i = start >>> SEGMENT_BITS;
    const columns = this.#columns[i];
    if (columns === undefined) return false;
    const base = i << SEGMENT_BITS;
    const end = Math.min(base + columns.capacity, start + STEP_ROWS);
    for (let row = start; row < end; row += 1) {
      const flags = columns.flags[row & ROW_MASK] as number;
      if ((flags & LIVE) !== 0 && (flags & DROPPED) === 0) visit(row, columns);
    }
    return true;
  }

  /** Calls `visit` for every live row of `user`, newest first, a slice per event-loop turn. */
  async #walkUser(user: number, visit: (row: number, columns: Columns) => void): Promise<void> {
    const items: number[] = [];
    // The chain is read whole first (row numbers only), so that drops between slices cannot cut it.
    if (this.#dirty.size > 0) this.#unlink();
    const drops = this.#drops;
    for (let row = this.#heads[user] as number, n = 1; row >= 0; row = (this.#columns[row >>> SEGMENT_BITS] as Columns).prev[row & ROW_MASK] as number, n += 1) {
      items.push(row);
      if (n % SLICE_ROWS === 0) {
        await turn();
        if (drops !== this.#drops) return this.#walkUser(user, visit);
      }
    }
    for (let i = 0; i < items.length; i += 1) {
      const row = items[i] as number;
      const columns = this.#live(row);
      if (columns !== undefined) visit(row, columns);
      if ((i + 1) % SLICE_ROWS === 0) await turn();
    }
    return undefined;
  }

  /** Calls `visit` for every live row, a slice per event-loop turn; a row reused meanwhile is seen at most once. */
  async #scan(visit: (row: number, columns: Columns) => void): Promise<void> {
    for (let start = 0; ; ) {
      if (this.#dirty.size > 0) this.#unlink();
      const until = performance.now() + SLICE_MS;
      do {
        if (!this.#slice(start, visit)) return;
        start += STEP_ROWS;
      } while (performance.now() < until);
      await turn();
    }
  }
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** The figures of one chunk of slots. */
class RoundChunk {
  readonly row = new Int32Array(CHUNK);
  readonly user = new Int32Array(CHUNK);
  readonly first = new Float64Array(CHUNK).fill(Infinity);
  readonly last = new Float64Array(CHUNK).fill(-Infinity);
  /** Bet, win and refunded amounts, three per slot. */
  readonly amounts = new Float64Array(3 * CHUNK);
  readonly closed = new Uint8Array(CHUNK);
}

/** The figures of the rounds a stuck-rounds scan meets, a slot each, in chunks of typed arrays (growing never copies). */
class RoundTable {
  count = 0;
  readonly #chunks: RoundChunk[] = [];

  /** A new slot, for the round of registry row `row` of user number `user`. */
  add(row: number, user: number): number {
    const slot = this.count;
    if ((slot & CHUNK_MASK) === 0) this.#chunks.push(new RoundChunk());
    this.count += 1;
    const chunk = this.#chunks[slot >>> CHUNK_BITS] as RoundChunk;
    chunk.row[slot & CHUNK_MASK] = row;
    chunk.user[slot & CHUNK_MASK] = user;
    return slot;
  }

  chunk(slot: number): RoundChunk {
    return this.#chunks[slot >>> CHUNK_BITS] as RoundChunk;
  }

  /** Counts one transaction of kind `kind` (0 bet, 1 win, 2 rollback, 3 other) into `slot`. */
  take(slot: number, at: number, kind: number, amount: number, closed: boolean): void {
    const chunk = this.#chunks[slot >>> CHUNK_BITS] as RoundChunk;
    const i = slot & CHUNK_MASK;
    if (at < (chunk.first[i] as number)) chunk.first[i] = at;
    if (at > (chunk.last[i] as number)) chunk.last[i] = at;
    if (kind < 3) chunk.amounts[i * 3 + kind] = (chunk.amounts[i * 3 + kind] as number) + amount;
    if (closed) chunk.closed[i] = 1;
  }
}

function compareStuck(last: number, user: string, round: string, than: { t: number; u: string; r: string }): number {
  if (last !== than.t) return last - than.t;
  if (user !== than.u) return user < than.u ? -1 : 1;
  return round < than.r ? -1 : round > than.r ? 1 : 0;
}


/** What the history keeps of a transaction the store just applied (`command.at`, if recovery read one, is its time). */
export function commandDetails(command: Command & { readonly at?: unknown }, moved: number, at: number): HistoryDetails {
  const time = typeof command.at === 'number' && Number.isSafeInteger(command.at) ? command.at : at;
  const referenceUuid = command.operation === 'win' || command.operation === 'rollback' ? command.referenceUuid : undefined;
  return detailsFrom(Math.abs(moved), time, referenceUuid, command);
}

/**
 * What the history keeps of a snapshot's `entry` record; `undefined` for a reservation. A record
 * written before snapshots carried the details gives what the registry row knows (an open bet's
 * amount, its last change as its time).
 */
export function entryDetails(record: Entry & { readonly created?: number; readonly amount?: unknown; readonly at?: unknown; readonly referenceUuid?: unknown } & Details): HistoryDetails | undefined {
  if (record.kind === 'reserved') return undefined;
  const amount = typeof record.amount === 'number' && Number.isSafeInteger(record.amount) ? record.amount : record.kind === 'bet' && record.state >= 0 ? record.state : 0;
  const at = typeof record.at === 'number' && Number.isSafeInteger(record.at) ? record.at : (record.created ?? 0) * 1000;
  return detailsFrom(amount, at, typeof record.referenceUuid === 'string' ? record.referenceUuid : undefined, record);
}

function detailsFrom(amount: number, at: number, referenceUuid: string | undefined, details: Details): HistoryDetails {
  const { round, roundClosed, gameCode, isFree } = details;
  return {
    amount,
    at,
    ...(referenceUuid === undefined ? {} : { referenceUuid }),
    ...(typeof round === 'string' ? { round } : {}),
    ...(roundClosed === true ? { roundClosed } : {}),
    ...(typeof gameCode === 'string' ? { gameCode } : {}),
    ...(isFree === true ? { isFree } : {}),
  };
}
