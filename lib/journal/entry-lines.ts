import { FINGERPRINT_BYTES, FREE_BET, keyBytes, KIND_MASK, KINDS, MINUTE_SECONDS, ODD_FINGERPRINT, ODD_REQUEST, ROW_MASK, SEGMENT_BITS, UPPER_REQUEST, UUID_BYTES, type RegistryView, type RowRecord, type Segment } from '../registry.js';
import { encodeRecord } from './format.js';
import type { EntryDetails } from './records.js';
import { ascii, LineBuffer } from './line-buffer.js';

/**
 * Snapshot lines already encoded: `count` whole lines in `bytes`. The bytes are valid until the
 * next lines are asked for (one buffer is reused, so that a snapshot's size makes no garbage).
 */
export interface EncodedLines {
  readonly bytes: Buffer;
  readonly count: number;
}

const HEAD = ascii('{"type":"entry","transactionUuid":"');
const USER = ascii('","user":"');
const KIND = ascii('","kind":"');
const FINGERPRINT = ascii('","fingerprint":"');
const REQUEST = ascii('","requestUuid":"');
const BALANCE = ascii('","balance":');
const STATE = ascii(',"state":');
const CREATED = ascii(',"created":');
const CLOSE = ascii('}');
const FREE = ascii(',"free":true');
const AMOUNT = ascii(',"amount":');
const AT = ascii(',"at":');
const REFERENCE = ascii(',"referenceUuid":"');
const IS_FREE = ascii(',"isFree":');
const ROUND = ascii(',"round":"');
const ROUND_CLOSED = ascii(',"roundClosed":');
const GAME_CODE = ascii(',"gameCode":"');
const QUOTE = ascii('"');
const TRUE = ascii('true');
const FALSE = ascii('false');
const KIND_NAMES = KINDS.map(ascii);

/** The back office's details of a row (its amount and time, ms since the epoch, and what the request named), if it keeps any. */
export type RowDetails = (row: number) => (EntryDetails & { readonly amount: number; readonly at: number }) | undefined;

/**
 * The registry's rows as snapshot `entry` lines, written straight from its columns into one
 * buffer, about `capacity` bytes at a time: no string or object per row, so that a snapshot of
 * millions of rows makes little garbage. Each line is byte for byte what `encodeRecord` writes
 * for the row's record with the row's `details` (a row with a value kept outside the columns is
 * encoded so). Rows the view leaves out (a retention pass) are skipped.
 */
export function* entryLines(view: RegistryView, capacity = 1 << 20, details?: RowDetails): Generator<EncodedLines> {
  const out = new LineBuffer(capacity + (capacity >>> 2));
  for (let row = 0; row < view.rowCount; row += 1) {
    const segment = view.segments[row >>> SEGMENT_BITS] as Segment;
    const at = row & ROW_MASK;
    const flags = segment.flags[at] as number;
    if (flags === 0 || view.leavesOut(row)) continue;
    // An upper-case request_uuid is rare enough to take the encoder's path.
    const columnar = (flags & (ODD_FINGERPRINT | ODD_REQUEST | UPPER_REQUEST)) === 0 && !view.oddKeyOf.has(row);
    const extra = details?.(row);
    if (columnar && Number.isSafeInteger(segment.balances[at]) && Number.isSafeInteger(segment.states[at])) {
      writeEntry(out, segment, at, flags, view.userNames[segment.users[at] as number] as string, extra);
    } else {
      out.line(encodeRecord({ type: 'entry', ...(view.record(row) as RowRecord), ...extra }));
    }
    if (out.at >= capacity) {
      yield { bytes: out.bytes(), count: out.lines };
      out.clear();
    }
  }
  if (out.lines > 0) yield { bytes: out.bytes(), count: out.lines };
}

/** The entry line of a row whose values all live in its columns, with the back office's `details` of it. */
function writeEntry(out: LineBuffer, segment: Segment, at: number, flags: number, user: string, details: ReturnType<RowDetails>): void {
  const round = details?.round;
  const gameCode = details?.gameCode;
  const referenceUuid = details?.referenceUuid;
  out.begin(user.length + FINGERPRINT_BYTES + (round?.length ?? 0) + (gameCode?.length ?? 0) + (referenceUuid?.length ?? 0));
  out.raw(HEAD);
  out.uuid(keyBytes(segment.keys, at), 0);
  out.raw(USER);
  out.string(user);
  out.raw(KIND);
  out.raw(KIND_NAMES[(flags & KIND_MASK) - 1] as Buffer);
  out.raw(FINGERPRINT);
  for (let i = at * FINGERPRINT_BYTES, end = i + FINGERPRINT_BYTES; i < end; i += 1) out.character(segment.fingerprints[i] as number);
  out.raw(REQUEST);
  out.uuid(segment.requests, at * UUID_BYTES);
  out.raw(BALANCE);
  out.integer(segment.balances[at] as number);
  out.raw(STATE);
  out.integer(segment.states[at] as number);
  out.raw(CREATED);
  out.integer((segment.changed[at] as number) * MINUTE_SECONDS);
  if ((flags & FREE_BET) !== 0) out.raw(FREE);
  if (details !== undefined) {
    out.raw(AMOUNT);
    out.integer(details.amount);
    out.raw(AT);
    out.integer(details.at);
    if (referenceUuid !== undefined) {
      out.raw(REFERENCE);
      out.string(referenceUuid);
      out.raw(QUOTE);
    }
    if (details.isFree !== undefined) {
      out.raw(IS_FREE);
      out.raw(details.isFree ? TRUE : FALSE);
    }
    if (round !== undefined) {
      out.raw(ROUND);
      out.string(round);
      out.raw(QUOTE);
    }
    if (details.roundClosed !== undefined) {
      out.raw(ROUND_CLOSED);
      out.raw(details.roundClosed ? TRUE : FALSE);
    }
    if (gameCode !== undefined) {
      out.raw(GAME_CODE);
      out.string(gameCode);
      out.raw(QUOTE);
    }
  }
  out.raw(CLOSE);
  out.end();
}
