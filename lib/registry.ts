import { keptWhateverAge, KIND, KINDS } from './codes.js';
import { CANCELLED, type BetState, type Entry, type EntryKind } from './rules.js';

/**
 * Rows per segment (about 1 MiB): the registry grows a segment at a time, so growth never copies
 * a row, and a snapshot under way costs a copy of each segment written to meanwhile.
 */
export const SEGMENT_BITS = 14;
const SEGMENT_ROWS = 1 << SEGMENT_BITS;
export const ROW_MASK = SEGMENT_ROWS - 1;
export const FINGERPRINT_BYTES = 12;
export const UUID_BYTES = 16;
/** Snapshot files give times in seconds; the registry keeps minutes. */
export const MINUTE_SECONDS = 60;
/** Bytes of one row across the columns of a segment. */
const ROW_BYTES = 4 * 4 + FINGERPRINT_BYTES + UUID_BYTES + 8 + 8 + 4 + 4 + 1;
/** The index is rebuilt twice as large once it is this full. */
const MAX_LOAD = 0.7;
const MIN_SLOTS = 1 << 10;
/** Slots of the old table moved into a growing index per insert. */
const MIGRATE_STEP = 8;
/** Rows of the first segment at first; it doubles up to {@link SEGMENT_ROWS}. */
const FIRST_ROWS = 1 << 9;

export { KINDS };
/** A row's kind, its {@link KIND} code, in its low three bits; 0 is a free row. */
export const KIND_MASK = 0x07;
/** The fingerprint is not 12 latin1 characters: it lives in the side map. */
export const ODD_FINGERPRINT = 0x08;
/** The `request_uuid` is no UUID in one case: it lives in the side map, exactly as sent. */
export const ODD_REQUEST = 0x10;
/** The `request_uuid` is an upper-case UUID: packed like a lower-case one, written back in upper case. */
export const UPPER_REQUEST = 0x20;
/** A free bet (`is_free: true`): no limit counts it or its win. */
export const FREE_BET = 0x40;
const MINUTE_MS = 60_000;

/** Each hex digit's value; upper-case letters are marked by {@link UPPER_DIGIT}. */
const HEX_VALUE = new Int8Array(128).fill(-1);
const UPPER_DIGIT = 0x10;
for (let digit = 0; digit < 16; digit += 1) {
  HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;
  if (digit >= 10) HEX_VALUE[digit.toString(16).toUpperCase().charCodeAt(0)] = digit | UPPER_DIGIT;
}
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const BYTE_HEX_UPPER = BYTE_HEX.map((hex) => hex.toUpperCase());

/** What {@link parseUuid} read: no UUID, or a UUID whose letters are all lower or all upper case. */
const NO_UUID = 0;
const LOWER_UUID = 1;
const UPPER_UUID = 2;
/** Reused by every parse; the engine runs on one thread and no parse calls another. */
const words = new Uint32Array(4);
const bytes = new Uint8Array(UUID_BYTES);

/**
 * Reads a UUID into `into` as 16 bytes, and tells whether its letters were lower case (or it had
 * none) or upper case; {@link NO_UUID}, leaving `into` in any state, for any other string (mixed
 * case included: it could not be written back as sent).
 */
function parseUuid(text: string, into: Uint8Array): number {
  if (text.length !== 36) return NO_UUID;
  let at = 0;
  let lower = false;
  let upper = false;
  for (let i = 0; i < UUID_BYTES; i += 1) {
    if (at === 8 || at === 13 || at === 18 || at === 23) {
      if (text.charCodeAt(at) !== 0x2d) return NO_UUID;
      at += 1;
    }
    const high = text.charCodeAt(at);
    const low = text.charCodeAt(at + 1);
    const h = high < 128 ? (HEX_VALUE[high] as number) : -1;
    const l = low < 128 ? (HEX_VALUE[low] as number) : -1;
    if ((h | l) < 0) return NO_UUID;
    if (((h | l) & UPPER_DIGIT) !== 0) upper = true;
    if ((h >= 10 && h < UPPER_DIGIT) || (l >= 10 && l < UPPER_DIGIT)) lower = true;
    into[i] = ((h & 0x0f) << 4) | (l & 0x0f);
    at += 2;
  }
  return upper ? (lower ? NO_UUID : UPPER_UUID) : LOWER_UUID;
}

/**
 * The 16 bytes of the key of row `at` of a segment (kept as four big-endian words), in a buffer
 * reused by every call: read them before the next.
 */
export function keyBytes(keys: Uint32Array, at: number): Uint8Array {
  for (let w = 0; w < 4; w += 1) {
    const word = keys[at * 4 + w] as number;
    bytes[w * 4] = word >>> 24;
    bytes[w * 4 + 1] = (word >>> 16) & 0xff;
    bytes[w * 4 + 2] = (word >>> 8) & 0xff;
    bytes[w * 4 + 3] = word & 0xff;
  }
  return bytes;
}

function formatUuid(source: Uint8Array, offset: number, upper = false): string {
  const digits = upper ? BYTE_HEX_UPPER : BYTE_HEX;
  let hex = '';
  for (let i = 0; i < UUID_BYTES; i += 1) {
    if (i === 4 || i === 6 || i === 8 || i === 10) hex += '-';
    hex += digits[source[offset + i] as number];
  }
  return hex;
}

/** Parses a transaction id into {@link words}; false when it is no lower-case UUID (ids are lower-cased before they reach the registry). */
function parseKey(text: string): boolean {
  if (parseUuid(text, bytes) !== LOWER_UUID) return false;
  for (let w = 0; w < 4; w += 1) {
    const o = w * 4;
    words[w] = (((bytes[o] as number) << 24) | ((bytes[o + 1] as number) << 16) | ((bytes[o + 2] as number) << 8) | (bytes[o + 3] as number)) >>> 0;
  }
  return true;
}

/** Mixes the four words of a key (murmur3's finaliser over a combination of them). */
function hashWords(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(c ^ (d >>> 7), 0xc2b2ae35) ^ d;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One block of up to {@link SEGMENT_ROWS} rows, a typed array per column. */
export class Segment {
  keys: Uint32Array;
  fingerprints: Uint8Array;
  requests: Uint8Array;
  balances: Float64Array;
  states: Float64Array;
  /** The user's number; on a free row, the next free row + 1 (0: none), so the free list costs nothing. */
  users: Uint32Array;
  /**
   * Minutes since the epoch of the row's last change (its recording, or the win or rollback that
   * settled it), for retention: a Uint32 of minutes lasts past the year 10000.
   */
  changed: Uint32Array;
  /** Kind and flags; 0 for a free row. */
  flags: Uint8Array;
  /**
   * Values that do not fit the columns (a fingerprint that is not 12 latin1 characters, a
   * `request_uuid` that is no UUID in one case), by row within the segment; made on first use.
   * A map per segment, not one for the registry: it never grows past a segment's rows, so no
   * single allocation grows with the registry (a map of a million entries needs tens of MiB at
   * once to grow, and can run the heap out before a guard sees it coming).
   */
  oddFingerprints: Map<number, string> | undefined;
  oddRequests: Map<number, string> | undefined;
  /** Read by a snapshot under way: the registry writes to a copy instead. */
  frozen = false;

  constructor(readonly capacity: number) {
    this.keys = new Uint32Array(capacity * 4);
    this.fingerprints = new Uint8Array(capacity * FINGERPRINT_BYTES);
    this.requests = new Uint8Array(capacity * UUID_BYTES);
    this.balances = new Float64Array(capacity);
    this.states = new Float64Array(capacity);
    this.users = new Uint32Array(capacity);
    this.changed = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** A copy with room for `capacity` rows: only the first segment grows, so that a small engine stays small. */
  grown(capacity: number): Segment {
    const bigger = new Segment(capacity);
    bigger.keys.set(this.keys);
    bigger.fingerprints.set(this.fingerprints);
    bigger.requests.set(this.requests);
    bigger.balances.set(this.balances);
    bigger.states.set(this.states);
    bigger.users.set(this.users);
    bigger.changed.set(this.changed);
    bigger.flags.set(this.flags);
    if (this.oddFingerprints !== undefined) bigger.oddFingerprints = new Map(this.oddFingerprints);
    if (this.oddRequests !== undefined) bigger.oddRequests = new Map(this.oddRequests);
    return bigger;
  }
}

/**
 * What a lookup returns: a view of one row, read when a field is read. It is meant to be read
 * at once (the rules and the store do); a row it names may be reused after a retention pass.
 */
class RowEntry implements Entry {
  readonly #registry: TransactionRegistry;
  readonly #row: number;

  constructor(registry: TransactionRegistry, row: number) {
    this.#registry = registry;
    this.#row = row;
  }

  get user(): string {
    return this.#registry.userOf(this.#row);
  }
  get kind(): EntryKind {
    return this.#registry.kindOf(this.#row);
  }
  get fingerprint(): string {
    return this.#registry.fingerprintOf(this.#row);
  }
  get requestUuid(): string {
    return this.#registry.requestUuidOf(this.#row);
  }
  get balance(): number {
    return this.#registry.balanceOf(this.#row);
  }
  get state(): BetState {
    return this.#registry.stateOf(this.#row);
  }
  get free(): boolean {
    return this.#registry.freeOf(this.#row);
  }
  /** The minute of the row's last change: for an open bet, the one it was made in. */
  get at(): number {
    return this.#registry.changedOf(this.#row) * MINUTE_MS;
  }
}

/**
 * The embedded store's registry: every transaction id the engine has seen (recorded transactions
 * and ids reserved by a rollback), unique across users and operations, with what the rules need
 * to judge a request that names it and to replay its original response.
 *
 * It holds no object per id: rows of typed arrays (key, fingerprint, packed `request_uuid`,
 * balance, state, kind, user index, time of the last change; about 70 bytes), found through an
 * open-addressing index keyed by the id's 128 bits (linear probing, 4 bytes a slot, at most
 * {@link MAX_LOAD} full). The index doubles when it fills, moving a few slots per insert, so no
 * insert waits for the whole table. Values that do not fit a row (an id that is no lower-case
 * UUID, a `request_uuid` that is no UUID in one case, a fingerprint that is not 12 latin1 characters)
 * are kept exactly in side maps, one per segment (ids: one for the registry, as only journals
 * of older versions hold such ids). Times are given by the caller, in minutes since the epoch.
 */
export class TransactionRegistry {
  readonly #segments: Segment[] = [];
  /** Rows ever handed out; rows below it are live or on the free list. */
  #rows = 0;
  /** The last row freed by retention + 1 (0: none); reused before new ones (see {@link Segment.users}). */
  #free = 0;
  /** Row + 1 of each slot; 0 is an empty slot. */
  #index = new Int32Array(MIN_SLOTS);
  #mask = MIN_SLOTS - 1;
  /** While the index grows: the table it is moving from, read-only, and how far it has moved. */
  #old: Int32Array | undefined;
  #cursor = 0;
  /** Ids in the index. */
  #indexed = 0;
  /** Ids that are no lower-case UUID (from journals older than the lower-case rule, say), by row. */
  readonly #oddKeys = new Map<string, number>();
  readonly #oddKeyOf = new Map<number, string>();
  /** The user table: a row names its user by index. */
  readonly #userIds = new Map<string, number>();
  readonly #userNames: string[] = [];
  #recorded = 0;
  /**
   * The last id found, and its row; the last UUID found absent, and its parsed words. A request
   * names the same id twice in a row (judged, then recorded or settled), and recovery a third
   * time: each later look is a string comparison instead of a parse and a probe.
   */
  #hitKey: string | undefined;
  #hitRow = -1;
  #missKey: string | undefined;
  readonly #missWords = new Uint32Array(4);

  /** Called with each row about to be dropped (retention, or an id forgotten), while it can still be read. */
  onDrop: ((row: number) => void) | undefined;

  /** The row of an id, or -1 (rows are reused once retention drops them: read at once). */
  rowOf(transactionUuid: string): number {
    return this.#find(transactionUuid);
  }

  /** The id of a live row. */
  keyOf(row: number): string {
    return this.#keyOf(row);
  }

  /** The number of `user` in the user table, or -1 if the registry has never recorded anything of theirs. */
  knownUserNumber(user: string): number {
    return this.#userIds.get(user) ?? -1;
  }

  /** Number of recorded transactions (reservations not counted). */
  get size(): number {
    return this.#recorded;
  }

  /** The entry of an id, if the engine knows it: a view to read at once. */
  readonly lookup = (transactionUuid: string): Entry | undefined => {
    const row = this.#find(transactionUuid);
    return row < 0 ? undefined : new RowEntry(this, row);
  };

  /** Records `entry` under `transactionUuid`, changed at `changed` (minutes since the epoch). */
  record(transactionUuid: string, entry: Entry, changed: number, userNumber = this.userNumber(entry.user)): void {
    const { kind, fingerprint, requestUuid, balance, state } = entry;
    this.#put(transactionUuid, userNumber, entry.free === true ? KIND[kind] | FREE_BET : KIND[kind], fingerprint, requestUuid, balance, state, changed);
  }

  /**
   * Changes the state of a recorded bet or reservation at `changed` (minutes since the epoch):
   * its age counts from then, so a cancelled bet is kept the whole retention period after its
   * rollback, however long it was open.
   */
  settle(transactionUuid: string, state: BetState, changed: number): void {
    const row = this.#find(transactionUuid);
    if (row < 0) return;
    const segment = this.#writable(row);
    segment.states[row & ROW_MASK] = state;
    segment.changed[row & ROW_MASK] = changed;
  }

  /** Reserves an id for `user` as cancelled at `changed`: a request that later uses it as its own id is refused. */
  reserve(transactionUuid: string, user: string, changed: number, userNumber = this.userNumber(user)): void {
    this.#put(transactionUuid, userNumber, KIND.reserved, '', '', 0, CANCELLED, changed);
  }

  /** Every id and its entry (a view to read at once), in the order the rows were laid down. */
  *entries(): IterableIterator<[string, Entry]> {
    for (let row = 0; row < this.#rows; row += 1) {
      if ((this.#segments[row >>> SEGMENT_BITS] as Segment).flags[row & ROW_MASK] === 0) continue;
      yield [this.#keyOf(row), new RowEntry(this, row)];
    }
  }

  /**
   * Drops every row last changed before `cutoff` (minutes since the epoch) except open bets, and
   * returns how many. One pass over the rows, a few milliseconds per million.
   */
  purge(cutoff: number): number {
    let dropped = 0;
    for (let row = 0; row < this.#rows; row += 1) {
      if (!this.#expires(row, cutoff)) continue;
      this.#drop(row);
      dropped += 1;
    }
    return dropped;
  }

  /**
   * The rows as they are now, for a snapshot written over many event-loop turns (leaving out,
   * given a `cutoff`, the rows a retention pass at that cutoff drops): nothing is copied now; a
   * segment the registry writes to while the view is held is copied first (copy on write, a
   * segment at a time, its side maps with it), and the map of odd ids is copied (only journals
   * of older versions fill it).
   * {@link RegistryView.release} lets the registry write in place again; a view never released
   * costs one more copy of each segment written to, nothing else.
   */
  freeze(cutoff?: number): RegistryView {
    const segments = [...this.#segments];
    for (const segment of segments) segment.frozen = true;
    return new RegistryView(segments, this.#rows, this.#userNames, new Map(this.#oddKeyOf), cutoff);
  }

  /**
   * Drops the rows a view left out (see {@link RegistryView.leavesOut}) once what it was read
   * for is safe, and returns how many. Those rows cannot have changed meanwhile: no request
   * changes a settled or reserved row, and rows are reused only after a drop.
   */
  dropRows(rows: readonly number[]): number {
    let dropped = 0;
    for (const row of rows) {
      if (this.#kindCode(row) === 0) continue;
      this.#drop(row);
      dropped += 1;
    }
    return dropped;
  }

  /** A segment that may be written: a frozen one is replaced by its copy first. */
  #writable(row: number): Segment {
    const i = row >>> SEGMENT_BITS;
    const segment = this.#segments[i] as Segment;
    if (!segment.frozen) return segment;
    const copy = segment.grown(segment.capacity);
    this.#segments[i] = copy;
    return copy;
  }

  /** How many rows {@link purge} would drop at `cutoff`. */
  expired(cutoff: number): number {
    let count = 0;
    for (let row = 0; row < this.#rows; row += 1) if (this.#expires(row, cutoff)) count += 1;
    return count;
  }

  /**
   * Bytes the registry would allocate, outside the heap, to take `rows` more rows: none while
   * rows freed by retention are there to reuse; else a new segment, and the next index if those
   * rows would make it grow (the old table is kept while entries move).
   */
  growthBytes(rows: number): number {
    if (this.#free !== 0) return 0;
    const index = this.#indexed + rows > this.#index.length * MAX_LOAD ? this.#index.length * 2 * Int32Array.BYTES_PER_ELEMENT : 0;
    return ROW_BYTES * SEGMENT_ROWS + index;
  }

  /** Drops an id, if it is held. */
  forget(transactionUuid: string): void {
    const row = this.#find(transactionUuid);
    if (row >= 0) this.#drop(row);
  }

  #expires(row: number, cutoff: number): boolean {
    return expires(this.#segments[row >>> SEGMENT_BITS] as Segment, row & ROW_MASK, cutoff);
  }

  /** @internal Row readers, for {@link RowEntry}. */
  userOf(row: number): string {
    return this.#userNames[(this.#segments[row >>> SEGMENT_BITS] as Segment).users[row & ROW_MASK] as number] as string;
  }
  kindOf(row: number): EntryKind {
    return KINDS[(((this.#segments[row >>> SEGMENT_BITS] as Segment).flags[row & ROW_MASK] as number) & KIND_MASK) - 1] as EntryKind;
  }
  fingerprintOf(row: number): string {
    const segment = this.#segments[row >>> SEGMENT_BITS] as Segment;
    const at = row & ROW_MASK;
    if (((segment.flags[at] as number) & ODD_FINGERPRINT) !== 0) return segment.oddFingerprints?.get(at) as string;
    const o = at * FINGERPRINT_BYTES;
    const f = segment.fingerprints;
    return String.fromCharCode(f[o] as number, f[o + 1] as number, f[o + 2] as number, f[o + 3] as number, f[o + 4] as number, f[o + 5] as number,
      f[o + 6] as number, f[o + 7] as number, f[o + 8] as number, f[o + 9] as number, f[o + 10] as number, f[o + 11] as number);
  }
  requestUuidOf(row: number): string {
    const segment = this.#segments[row >>> SEGMENT_BITS] as Segment;
    const at = row & ROW_MASK;
    const flags = segment.flags[at] as number;
    if ((flags & ODD_REQUEST) !== 0) return segment.oddRequests?.get(at) as string;
    return formatUuid(segment.requests, at * UUID_BYTES, (flags & UPPER_REQUEST) !== 0);
  }
  balanceOf(row: number): number {
    return (this.#segments[row >>> SEGMENT_BITS] as Segment).balances[row & ROW_MASK] as number;
  }
  stateOf(row: number): BetState {
    return (this.#segments[row >>> SEGMENT_BITS] as Segment).states[row & ROW_MASK] as number;
  }

  /** The row of an id, or -1; an absent UUID is left parsed in {@link #missWords}. */
  #find(transactionUuid: string): number {
    if (transactionUuid === this.#hitKey) return this.#hitRow;
    if (transactionUuid === this.#missKey) return -1;
    if (!parseKey(transactionUuid)) return this.#oddKeys.get(transactionUuid) ?? -1;
    const row = this.#probe(words[0] as number, words[1] as number, words[2] as number, words[3] as number);
    if (row >= 0) {
      this.#hitKey = transactionUuid;
      this.#hitRow = row;
    } else {
      this.#missKey = transactionUuid;
      this.#missWords.set(words);
    }
    return row;
  }

  #probe(a: number, b: number, c: number, d: number): number {
    const row = this.#probeIn(this.#index, this.#mask, a, b, c, d);
    // While the index grows, an id not yet moved is still found in the old table.
    return row >= 0 || this.#old === undefined ? row : this.#probeIn(this.#old, this.#old.length - 1, a, b, c, d);
  }

  #probeIn(index: Int32Array, mask: number, a: number, b: number, c: number, d: number): number {
    for (let slot = hashWords(a, b, c, d) & mask; ; slot = (slot + 1) & mask) {
      const entry = index[slot] as number;
      if (entry === 0) return -1;
      const row = entry - 1;
      const keys = (this.#segments[row >>> SEGMENT_BITS] as Segment).keys;
      const k = (row & ROW_MASK) * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return row;
    }
  }

  #put(transactionUuid: string, userNumber: number, kind: number, fingerprint: string, requestUuid: string, balance: number, state: number, changed: number): void {
    let row = this.#find(transactionUuid);
    if (row >= 0) {
      if (this.#kindCode(row) !== KIND.reserved) this.#recorded -= 1;
    } else {
      row = this.#newRow();
      const segment = this.#writable(row);
      if (transactionUuid === this.#missKey) {
        const key = this.#missWords;
        this.#missKey = undefined; // held from now on
        segment.keys.set(key, (row & ROW_MASK) * 4);
        this.#insert(row, key[0] as number, key[1] as number, key[2] as number, key[3] as number);
      } else {
        this.#oddKeys.set(transactionUuid, row);
        this.#oddKeyOf.set(row, transactionUuid);
      }
    }
    const segment = this.#writable(row);
    const at = row & ROW_MASK;
    let flags = kind;
    if (fingerprint.length === FINGERPRINT_BYTES && latin1(fingerprint)) {
      const o = at * FINGERPRINT_BYTES;
      for (let i = 0; i < FINGERPRINT_BYTES; i += 1) segment.fingerprints[o + i] = fingerprint.charCodeAt(i);
      segment.oddFingerprints?.delete(at);
    } else {
      flags |= ODD_FINGERPRINT;
      (segment.oddFingerprints ??= new Map()).set(at, fingerprint);
    }
    const request = parseUuid(requestUuid, bytes);
    if (request !== NO_UUID) {
      if (request === UPPER_UUID) flags |= UPPER_REQUEST;
      segment.requests.set(bytes, at * UUID_BYTES);
      segment.oddRequests?.delete(at);
    } else {
      flags |= ODD_REQUEST;
      (segment.oddRequests ??= new Map()).set(at, requestUuid);
    }
    segment.flags[at] = flags;
    segment.balances[at] = balance;
    segment.states[at] = state;
    segment.users[at] = userNumber;
    segment.changed[at] = changed;
    if (kind !== KIND.reserved) this.#recorded += 1;
  }

  freeOf(row: number): boolean {
    return (((this.#segments[row >>> SEGMENT_BITS] as Segment).flags[row & ROW_MASK] as number) & FREE_BET) !== 0;
  }

  changedOf(row: number): number {
    return (this.#segments[row >>> SEGMENT_BITS] as Segment).changed[row & ROW_MASK] as number;
  }

  #kindCode(row: number): number {
    return ((this.#segments[row >>> SEGMENT_BITS] as Segment).flags[row & ROW_MASK] as number) & KIND_MASK;
  }

  /**
   * The number of `user` in the registry's user table, given on first use. A caller that keeps
   * it (the embedded store, on the account) passes it to {@link record} and {@link reserve},
   * which otherwise look it up by name.
   */
  userNumber(user: string): number {
    let id = this.#userIds.get(user);
    if (id === undefined) {
      id = this.#userNames.length;
      this.#userNames.push(user);
      this.#userIds.set(user, id);
    }
    return id;
  }

  #newRow(): number {
    if (this.#free !== 0) {
      const reused = this.#free - 1;
      this.#free = (this.#segments[reused >>> SEGMENT_BITS] as Segment).users[reused & ROW_MASK] as number;
      return reused;
    }
    const row = this.#rows;
    const last = this.#segments.at(-1);
    if ((row & ROW_MASK) === 0) this.#segments.push(new Segment(this.#segments.length === 0 ? FIRST_ROWS : SEGMENT_ROWS));
    else if (last !== undefined && (row & ROW_MASK) === last.capacity) this.#segments[this.#segments.length - 1] = last.grown(last.capacity * 2);
    this.#rows += 1;
    return row;
  }

  #insert(row: number, a: number, b: number, c: number, d: number): void {
    if (this.#old !== undefined) this.#migrate(MIGRATE_STEP);
    if (this.#indexed + 1 > this.#index.length * MAX_LOAD) this.#grow();
    const index = this.#index;
    const mask = this.#mask;
    let slot = hashWords(a, b, c, d) & mask;
    while (index[slot] !== 0) slot = (slot + 1) & mask;
    index[slot] = row + 1;
    this.#indexed += 1;
  }

  /**
   * Starts moving the index into one twice as large: each later insert moves
   * {@link MIGRATE_STEP} slots, so no insert pays for the whole table (a full rehash of 10^7 ids
   * holds the event loop for seconds). The move ends after a quarter of the inserts that would
   * fill the new table, so a move is always over before the next one is due.
   */
  #grow(): void {
    this.#finishMigration();
    this.#old = this.#index;
    this.#cursor = 0;
    this.#index = new Int32Array(this.#old.length * 2);
    this.#mask = this.#index.length - 1;
    this.#migrate(MIGRATE_STEP);
  }

  #finishMigration(): void {
    if (this.#old !== undefined) this.#migrate(this.#old.length);
  }

  /** Moves up to `slots` slots of the old table into the index. */
  #migrate(slots: number): void {
    const old = this.#old as Int32Array;
    const index = this.#index;
    const mask = this.#mask;
    const end = Math.min(old.length, this.#cursor + slots);
    for (let i = this.#cursor; i < end; i += 1) {
      const entry = old[i] as number;
      if (entry === 0) continue;
      const row = entry - 1;
      const keys = (this.#segments[row >>> SEGMENT_BITS] as Segment).keys;
      const k = (row & ROW_MASK) * 4;
      let slot = hashWords(keys[k] as number, keys[k + 1] as number, keys[k + 2] as number, keys[k + 3] as number) & mask;
      while (index[slot] !== 0) slot = (slot + 1) & mask;
      index[slot] = entry;
    }
    this.#cursor = end;
    if (end === old.length) this.#old = undefined;
  }

  #keyOf(row: number): string {
    return this.#oddKeyOf.get(row) ?? formatUuid(keyBytes((this.#segments[row >>> SEGMENT_BITS] as Segment).keys, row & ROW_MASK), 0);
  }

  /** Frees a row: out of the index (backward-shift deletion keeps probing exact), onto the free list. */
  #drop(row: number): void {
    this.onDrop?.(row);
    if (row === this.#hitRow) this.#hitKey = undefined;
    const segment = this.#writable(row);
    const at = row & ROW_MASK;
    if (((segment.flags[at] as number) & KIND_MASK) !== KIND.reserved) this.#recorded -= 1;
    const odd = this.#oddKeyOf.get(row);
    if (odd !== undefined) {
      this.#oddKeyOf.delete(row);
      this.#oddKeys.delete(odd);
    } else {
      this.#unindex(row);
    }
    // An emptied side map goes, so that retention gives its memory back.
    if (segment.oddFingerprints?.delete(at) === true && segment.oddFingerprints.size === 0) segment.oddFingerprints = undefined;
    if (segment.oddRequests?.delete(at) === true && segment.oddRequests.size === 0) segment.oddRequests = undefined;
    segment.flags[at] = 0;
    segment.users[at] = this.#free;
    this.#free = row + 1;
  }

  #unindex(row: number): void {
    this.#finishMigration(); // a retention pass, rare: moving entries back must not cross the cursor
    const index = this.#index;
    const mask = this.#mask;
    const keys = (this.#segments[row >>> SEGMENT_BITS] as Segment).keys;
    const k = (row & ROW_MASK) * 4;
    let slot = hashWords(keys[k] as number, keys[k + 1] as number, keys[k + 2] as number, keys[k + 3] as number) & mask;
    while (index[slot] !== row + 1) slot = (slot + 1) & mask;
    // Backward shift: move up every later entry of the run whose home is not between the hole and it.
    let hole = slot;
    for (let next = (hole + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const entry = index[next] as number;
      const r = entry - 1;
      const rk = (this.#segments[r >>> SEGMENT_BITS] as Segment).keys;
      const o = (r & ROW_MASK) * 4;
      const home = hashWords(rk[o] as number, rk[o + 1] as number, rk[o + 2] as number, rk[o + 3] as number) & mask;
      // The entry may fill the hole when its home is not cyclically within (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        index[hole] = entry;
        hole = next;
      }
    }
    index[hole] = 0;
    this.#indexed -= 1;
  }
}

/** What a snapshot reads of a row. */
export interface RowRecord extends Entry {
  readonly transactionUuid: string;
  /**
   * Seconds since the epoch of the row's last change (a whole minute). Named `created` in
   * snapshot files, which held the recording time before retention counted from the last change.
   */
  readonly created: number;
}

/** The registry at one moment (see {@link TransactionRegistry.freeze}). */
export class RegistryView {
  constructor(
    readonly segments: readonly Segment[],
    readonly rowCount: number,
    /** Append-only in the registry, so indexes read now stay valid. */
    readonly userNames: readonly string[],
    readonly oddKeyOf: ReadonlyMap<number, string>,
    /** Rows last changed before it (minutes since the epoch) are left out, but open bets. */
    readonly cutoff?: number,
  ) {}

  /** The rows left out so far, in row order, as they were read past. */
  readonly left: number[] = [];

  /**
   * True for a live row that a retention pass at {@link cutoff} drops (last changed before it, and
   * no open bet), which is then added to {@link left}. A reader asks once per row, in order.
   */
  leavesOut(row: number): boolean {
    if (this.cutoff === undefined || !expires(this.segments[row >>> SEGMENT_BITS] as Segment, row & ROW_MASK, this.cutoff)) return false;
    this.left.push(row);
    return true;
  }

  /** Every live row the view keeps, in row order. */
  *rows(): IterableIterator<RowRecord> {
    for (let row = 0; row < this.rowCount; row += 1) {
      if (this.leavesOut(row)) continue;
      const record = this.record(row);
      if (record !== undefined) yield record;
    }
  }

  /** The row `row` as a record, if it is live. */
  record(row: number): RowRecord | undefined {
    const segment = this.segments[row >>> SEGMENT_BITS] as Segment;
    const at = row & ROW_MASK;
    const flags = segment.flags[at] as number;
    if (flags === 0) return undefined;
    const transactionUuid = this.oddKeyOf.get(row) ?? formatUuid(keyBytes(segment.keys, at), 0);
    const o = at * FINGERPRINT_BYTES;
    const fingerprint = (flags & ODD_FINGERPRINT) !== 0 ? (segment.oddFingerprints?.get(at) as string) : String.fromCharCode(...segment.fingerprints.subarray(o, o + FINGERPRINT_BYTES));
    const requestUuid = (flags & ODD_REQUEST) !== 0 ? (segment.oddRequests?.get(at) as string) : formatUuid(segment.requests, at * UUID_BYTES, (flags & UPPER_REQUEST) !== 0);
    return {
      transactionUuid,
      user: this.userNames[segment.users[at] as number] as string,
      kind: KINDS[(flags & KIND_MASK) - 1] as EntryKind,
      fingerprint,
      requestUuid,
      balance: segment.balances[at] as number,
      state: segment.states[at] as number,
      created: (segment.changed[at] as number) * MINUTE_SECONDS,
      ...((flags & FREE_BET) !== 0 ? { free: true } : {}),
    };
  }

  /** The registry writes in place again where it had not yet copied. */
  release(): void {
    for (const segment of this.segments) segment.frozen = false;
  }
}

/** Whether the row at `at` of `segment` is live and a retention pass at `cutoff` drops it: last changed before it, and no open bet. */
function expires(segment: Segment, at: number, cutoff: number): boolean {
  const flags = segment.flags[at] as number;
  if (flags === 0 || (segment.changed[at] as number) >= cutoff) return false;
  return !keptWhateverAge(flags & KIND_MASK, (segment.states[at] as number) >= 0);
}

function latin1(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}
