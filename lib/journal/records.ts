/**
 * The records of journal and snapshot files, twice: as the engine hands them to the journal (the
 * `*Record` types, built from the in-memory types) and as they stand on disk (the `Disk*` types,
 * the file format). {@link toDisk} and {@link fromDisk} convert between the two field by field, so
 * that renaming a field of an in-memory type changes this file, never the format; `fromDisk` also
 * checks the shape of what it reads (the type of every field), and answers `undefined` for a
 * record of the wrong shape, which recovery treats like a line with a bad checksum.
 *
 * Format versions (see "Format versions" in docs/durability.md): files written before versions
 * were recorded are version 1; version 2 reads every version-1 record unchanged and adds record
 * types (`session`, `session-closed`, `info`, `limits`) and optional fields. Files of version
 * {@link FORMAT_VERSION} begin with the `settings` line with `"format":3` and hold the same
 * records, each either a line as in version 2 or, for a `command`, a binary record (binary.ts).
 */
import type { Limits, LimitName, UserInfo } from '../types.js';
import type { LimitState, Usage } from '../limits.js';
import type { Entry, EntryKind } from '../rules.js';
import type { Command } from '../validation.js';

/** The format this version of exwallet writes, and the newest it reads. */
export const FORMAT_VERSION = 3;

/** The stable `code` of {@link JournalFormatError}. */
export const JOURNAL_FORMAT_CODE = 'EXWALLET_JOURNAL_FORMAT';

/**
 * A journal or snapshot file written in a newer format than this version of exwallet reads: the
 * engine refuses to start rather than misread it. Open the directory with the newer version.
 */
export class JournalFormatError extends Error {
  readonly code = JOURNAL_FORMAT_CODE;
  /** The file's format version. */
  readonly version: number;
  readonly file: string;

  constructor(file: string, version: number) {
    super(`${file} is in journal format ${version}, newer than this exwallet reads (formats 1 to ${FORMAT_VERSION}); start a newer exwallet on this directory`);
    this.name = 'JournalFormatError';
    this.file = file;
    this.version = version;
  }
}

// ---------------------------------------------------------------------------------------------
// What the engine hands the journal, and gets back from recovery.

/** A raise waiting out its cooling-off, by limit. */
export type PendingLimits = LimitState['pending'];

/**
 * A user: created (in a journal), or the whole account (in a snapshot). `info`, `limits`,
 * `pending` and `usage` only in snapshots, and only when the user has them.
 */
export interface UserRecord {
  readonly type: 'user';
  readonly user: string;
  readonly balance: number;
  readonly currency?: string;
  readonly disabled?: boolean;
  readonly info?: UserInfo;
  readonly limits?: Limits;
  readonly pending?: PendingLimits;
  readonly usage?: Usage;
}

/** A user disabled or enabled. */
export interface DisabledRecord {
  readonly type: 'disabled';
  readonly user: string;
  readonly disabled: boolean;
}

/**
 * A transaction that succeeded, as it was asked for (its session token is never kept), and `at`:
 * when it was applied, in milliseconds since the epoch (absent in version 1, whose `time`
 * records give the minute).
 */
export type CommandRecord = { readonly type: 'command'; readonly user: string; readonly at?: number } & Command;

/** What the back office keeps of a transaction beside what the rules read: a snapshot's `entry` records carry it. */
export interface EntryDetails {
  /** Money the transaction moved, never negative (a rollback: its refund). */
  readonly amount?: number;
  /** The win's or rollback's `reference_transaction_uuid`. */
  readonly referenceUuid?: string;
  readonly isFree?: boolean;
  readonly round?: string;
  readonly roundClosed?: boolean;
  readonly gameCode?: string;
}

/**
 * A registry entry, in a snapshot, with the back office's details of it (`at`, from `Entry`: when
 * it was recorded, ms since the epoch).
 */
export type EntryRecord = {
  readonly type: 'entry';
  readonly transactionUuid: string;
  /** Seconds since the epoch of the last change, for retention. */
  readonly created?: number;
} & Entry &
  EntryDetails;

/**
 * The minute (since the epoch) the `command` lines after it were applied in, so that recovery
 * stamps the records it rebuilds with the times they had, and retention ages them alike. Not a
 * change of the state: recovery does not count it.
 */
export interface TimeRecord {
  readonly type: 'time';
  readonly minutes: number;
}

/** A session opened (in a journal), or open (in a snapshot). */
export interface SessionRecord {
  readonly type: 'session';
  readonly token: string;
  readonly user: string;
  readonly gameCode?: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** A session closed. */
export interface SessionClosedRecord {
  readonly type: 'session-closed';
  readonly token: string;
}

/** A user's info replaced. */
export interface InfoRecord {
  readonly type: 'info';
  readonly user: string;
  readonly info: UserInfo;
}

/** A user's limits set: those in force and the raises waiting. */
export interface LimitsRecord {
  readonly type: 'limits';
  readonly user: string;
  readonly limits: Limits;
  readonly pending: PendingLimits;
}

/** The last line of a snapshot: how many records it holds. */
export interface EndRecord {
  readonly type: 'end';
  readonly records: number;
}

/**
 * One record of the state in a journal or snapshot file. A journal holds `user`, `disabled`,
 * `command`, `session`, `session-closed`, `info` and `limits` records in the order they were
 * applied, and a `time` record before the first command of each minute. A snapshot holds the
 * whole state: `user` records, `session` records, an `entry` record for each id of the registry,
 * and a closing `end` record that counts them.
 */
export type JournalRecord =
  | UserRecord
  | DisabledRecord
  | CommandRecord
  | EntryRecord
  | TimeRecord
  | SessionRecord
  | SessionClosedRecord
  | InfoRecord
  | LimitsRecord
  | EndRecord;

/**
 * The first line of every journal and snapshot file: the format it is written in and the engine
 * settings that shape answers, so that a directory is never reopened with others. The settings
 * are the engine's defaults for new users, not any one user's. `format` is absent in version 1.
 */
export interface SettingsRecord {
  readonly type: 'settings';
  readonly format?: number;
  readonly currency: string;
  readonly initialBalance: number;
}

/** Any line of a journal or snapshot file: a record of the state, or the header. */
export type FileRecord = JournalRecord | SettingsRecord;

// ---------------------------------------------------------------------------------------------
// The format on disk. Field names and shapes here are the format: change them only with a new
// version (and a reader of the old one).

/** The operations of a `command` record. */
export type DiskOperation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw';
/** The kinds of an `entry` record. */
export type DiskKind = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw' | 'reserved';
/** The names of the six limits on disk. */
export const DISK_LIMIT_NAMES = ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'] as const;
export type DiskLimitName = (typeof DISK_LIMIT_NAMES)[number];

export interface DiskSettings {
  readonly type: 'settings';
  readonly format?: number;
  readonly currency: string;
  readonly initialBalance: number;
}

export interface DiskInfo {
  readonly country?: string;
  readonly jurisdiction?: string;
  readonly sub_partner_id?: string;
  readonly birth_date?: string;
  readonly registration_date?: string;
  readonly tags?: readonly string[];
  readonly sex?: string;
  readonly affiliate_id?: string;
}

export type DiskLimits = { readonly [name in DiskLimitName]: number | null };
export type DiskPending = { readonly [name in DiskLimitName]?: { readonly value: number | null; readonly at: number } };

/** A user's period sums: the periods (day, ISO week, month numbers) and per period [day, week, month] the wager and the wins. */
export interface DiskUsage {
  readonly day: number;
  readonly week: number;
  readonly month: number;
  readonly wager: readonly [number, number, number];
  readonly wins: readonly [number, number, number];
}

export interface DiskUser {
  readonly type: 'user';
  readonly user: string;
  readonly balance: number;
  readonly currency?: string;
  readonly disabled?: boolean;
  readonly info?: DiskInfo;
  readonly limits?: DiskLimits;
  readonly pending?: DiskPending;
  readonly usage?: DiskUsage;
}

export interface DiskDisabled {
  readonly type: 'disabled';
  readonly user: string;
  readonly disabled: boolean;
}

/** `referenceUuid` for a win or rollback; `currency` and `amount` for all but a rollback. */
export interface DiskCommand {
  readonly type: 'command';
  readonly user: string;
  readonly operation: DiskOperation;
  readonly transactionUuid: string;
  readonly requestUuid: string;
  readonly referenceUuid?: string;
  readonly currency?: string;
  readonly amount?: number;
  readonly fingerprint: string;
  readonly isFree?: boolean;
  readonly round?: string;
  readonly roundClosed?: boolean;
  readonly gameCode?: string;
  /** Milliseconds since the epoch it was applied at. */
  readonly at?: number;
}

export interface DiskEntry {
  readonly type: 'entry';
  readonly transactionUuid: string;
  readonly user: string;
  readonly kind: DiskKind;
  readonly fingerprint: string;
  readonly requestUuid: string;
  readonly balance: number;
  readonly state: number;
  readonly created?: number;
  readonly free?: boolean;
  readonly amount?: number;
  /** Milliseconds since the epoch it was recorded at. */
  readonly at?: number;
  readonly referenceUuid?: string;
  readonly isFree?: boolean;
  readonly round?: string;
  readonly roundClosed?: boolean;
  readonly gameCode?: string;
}

export interface DiskTime {
  readonly type: 'time';
  readonly minutes: number;
}

export interface DiskSession {
  readonly type: 'session';
  readonly token: string;
  readonly user: string;
  readonly gameCode?: string;
  readonly expiresAt: number;
}

export interface DiskSessionClosed {
  readonly type: 'session-closed';
  readonly token: string;
}

export interface DiskInfoRecord {
  readonly type: 'info';
  readonly user: string;
  readonly info: DiskInfo;
}

export interface DiskLimitsRecord {
  readonly type: 'limits';
  readonly user: string;
  readonly limits: DiskLimits;
  readonly pending: DiskPending;
}

export interface DiskEnd {
  readonly type: 'end';
  readonly records: number;
}

/** A line of a journal or snapshot file as it stands on disk (after its checksum). */
export type DiskRecord =
  | DiskSettings
  | DiskUser
  | DiskDisabled
  | DiskCommand
  | DiskEntry
  | DiskTime
  | DiskSession
  | DiskSessionClosed
  | DiskInfoRecord
  | DiskLimitsRecord
  | DiskEnd;

// The disk's limit names are the in-memory ones: renaming either fails here, not on disk.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameLimitNames: Same<LimitName, DiskLimitName> = true;
void sameLimitNames;

// ---------------------------------------------------------------------------------------------
// In-memory to disk.

/** The disk form of `record`, field by field, in the order the format writes them. */
export function toDisk(record: FileRecord): DiskRecord {
  switch (record.type) {
    case 'settings': {
      const { format, currency, initialBalance } = record;
      return format === undefined ? { type: 'settings', currency, initialBalance } : { type: 'settings', format, currency, initialBalance };
    }
    case 'user':
      return diskUser(record);
    case 'disabled':
      return { type: 'disabled', user: record.user, disabled: record.disabled };
    case 'command':
      return diskCommand(record);
    case 'entry':
      return diskEntry(record);
    case 'time':
      return { type: 'time', minutes: record.minutes };
    case 'session': {
      const { token, user, gameCode, expiresAt } = record;
      return gameCode === undefined ? { type: 'session', token, user, expiresAt } : { type: 'session', token, user, gameCode, expiresAt };
    }
    case 'session-closed':
      return { type: 'session-closed', token: record.token };
    case 'info':
      return { type: 'info', user: record.user, info: diskInfo(record.info) };
    case 'limits':
      return { type: 'limits', user: record.user, limits: diskLimits(record.limits), pending: diskPending(record.pending) };
    case 'end':
      return { type: 'end', records: record.records };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function diskUser(record: UserRecord): DiskUser {
  const out: Mutable<DiskUser> = { type: 'user', user: record.user, balance: record.balance };
  if (record.currency !== undefined) out.currency = record.currency;
  if (record.disabled !== undefined) out.disabled = record.disabled;
  if (record.info !== undefined) out.info = diskInfo(record.info);
  if (record.limits !== undefined) out.limits = diskLimits(record.limits);
  if (record.pending !== undefined) out.pending = diskPending(record.pending);
  if (record.usage !== undefined) out.usage = diskUsage(record.usage);
  return out;
}

function diskCommand(record: CommandRecord): DiskCommand {
  // Built in the order of the format's keys; `fingerprint` comes after the ids and the amount.
  const out: Partial<Mutable<DiskCommand>> = { type: 'command', user: record.user, operation: record.operation, transactionUuid: record.transactionUuid, requestUuid: record.requestUuid };
  if (record.operation === 'win' || record.operation === 'rollback') out.referenceUuid = record.referenceUuid;
  if (record.operation !== 'rollback') {
    out.currency = record.currency;
    out.amount = record.amount;
  }
  out.fingerprint = record.fingerprint;
  // The session token is left out: recovery checks no token.
  if (record.isFree !== undefined) out.isFree = record.isFree;
  if (record.round !== undefined) out.round = record.round;
  if (record.roundClosed !== undefined) out.roundClosed = record.roundClosed;
  if (record.gameCode !== undefined) out.gameCode = record.gameCode;
  if (record.at !== undefined) out.at = record.at;
  return out as DiskCommand;
}

function diskEntry(record: EntryRecord): DiskEntry {
  const out: Mutable<DiskEntry> = {
    type: 'entry',
    transactionUuid: record.transactionUuid,
    user: record.user,
    kind: record.kind,
    fingerprint: record.fingerprint,
    requestUuid: record.requestUuid,
    balance: record.balance,
    state: record.state,
  };
  if (record.created !== undefined) out.created = record.created;
  if (record.free === true) out.free = true;
  if (record.amount !== undefined) out.amount = record.amount;
  if (record.at !== undefined) out.at = record.at;
  if (record.referenceUuid !== undefined) out.referenceUuid = record.referenceUuid;
  if (record.isFree !== undefined) out.isFree = record.isFree;
  if (record.round !== undefined) out.round = record.round;
  if (record.roundClosed !== undefined) out.roundClosed = record.roundClosed;
  if (record.gameCode !== undefined) out.gameCode = record.gameCode;
  return out;
}

function diskInfo(info: UserInfo): DiskInfo {
  const out: Mutable<DiskInfo> = {};
  if (info.country !== undefined) out.country = info.country;
  if (info.jurisdiction !== undefined) out.jurisdiction = info.jurisdiction;
  if (info.sub_partner_id !== undefined) out.sub_partner_id = info.sub_partner_id;
  if (info.birth_date !== undefined) out.birth_date = info.birth_date;
  if (info.registration_date !== undefined) out.registration_date = info.registration_date;
  if (info.tags !== undefined) out.tags = [...info.tags];
  if (info.sex !== undefined) out.sex = info.sex;
  if (info.affiliate_id !== undefined) out.affiliate_id = info.affiliate_id;
  return out;
}

function diskLimits(limits: Limits): DiskLimits {
  return {
    wager_day: limits.wager_day,
    wager_week: limits.wager_week,
    wager_month: limits.wager_month,
    loss_day: limits.loss_day,
    loss_week: limits.loss_week,
    loss_month: limits.loss_month,
  };
}

function diskPending(pending: PendingLimits): DiskPending {
  const out: { [name in DiskLimitName]?: { readonly value: number | null; readonly at: number } } = {};
  for (const name of DISK_LIMIT_NAMES) {
    const raise = pending[name];
    if (raise !== undefined) out[name] = { value: raise.value, at: raise.at };
  }
  return out;
}

function diskUsage(usage: Usage): DiskUsage {
  return {
    day: usage.day,
    week: usage.week,
    month: usage.month,
    wager: [usage.wagerDay, usage.wagerWeek, usage.wagerMonth],
    wins: [usage.winsDay, usage.winsWeek, usage.winsMonth],
  };
}

// ---------------------------------------------------------------------------------------------
// Disk to in-memory, checking shapes. Fields the format does not name are not read.

type Fields = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const optional = <T>(value: unknown, check: (value: unknown) => value is T): boolean => value === undefined || check(value);
const isLimit = (value: unknown): value is number | null => value === null || isCount(value);

const OPERATIONS: ReadonlySet<unknown> = new Set<DiskOperation>(['bet', 'win', 'rollback', 'deposit', 'withdraw']);
const KINDS: ReadonlySet<unknown> = new Set<DiskKind>(['bet', 'win', 'rollback', 'deposit', 'withdraw', 'reserved']);

/** The format version a parsed first line declares: its `format`, or 1 for any line without one. */
export function declaredFormat(value: unknown): number {
  return isObject(value) && value.type === 'settings' && typeof value.format === 'number' ? value.format : 1;
}

/**
 * The in-memory record of a parsed line, or `undefined` when it is not a record of the format:
 * an unknown type, or a field missing or of the wrong type.
 */
export function fromDisk(value: unknown): FileRecord | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'command':
      return commandOf(value);
    case 'entry':
      return entryOf(value);
    case 'time':
      return isCount(value.minutes) ? { type: 'time', minutes: value.minutes } : undefined;
    case 'user':
      return userOf(value);
    case 'disabled':
      return isString(value.user) && isBoolean(value.disabled) ? { type: 'disabled', user: value.user, disabled: value.disabled } : undefined;
    case 'settings':
      return settingsOf(value);
    case 'session': {
      const { token, user, gameCode, expiresAt } = value;
      if (!isString(token) || !isString(user) || !optional(gameCode, isString) || !isInteger(expiresAt)) return undefined;
      return gameCode === undefined ? { type: 'session', token, user, expiresAt } : { type: 'session', token, user, gameCode: gameCode as string, expiresAt };
    }
    case 'session-closed':
      return isString(value.token) ? { type: 'session-closed', token: value.token } : undefined;
    case 'info': {
      const info = infoOf(value.info);
      return isString(value.user) && info !== undefined ? { type: 'info', user: value.user, info } : undefined;
    }
    case 'limits': {
      const limits = limitsOf(value.limits);
      const pending = pendingOf(value.pending);
      return isString(value.user) && limits !== undefined && pending !== undefined ? { type: 'limits', user: value.user, limits, pending } : undefined;
    }
    case 'end':
      return isCount(value.records) ? { type: 'end', records: value.records } : undefined;
    default:
      return undefined;
  }
}

function settingsOf(value: Fields): SettingsRecord | undefined {
  const { format, currency, initialBalance } = value;
  if (!isString(currency) || !isCount(initialBalance)) return undefined;
  if (format === undefined) return { type: 'settings', currency, initialBalance };
  return isInteger(format) && format >= 1 ? { type: 'settings', format, currency, initialBalance } : undefined;
}

function commandOf(value: Fields): CommandRecord | undefined {
  const { user, operation, transactionUuid, requestUuid, referenceUuid, currency, amount, fingerprint, isFree, round, roundClosed, gameCode, at } = value;
  if (!isString(user) || !OPERATIONS.has(operation) || !isString(transactionUuid) || !isString(requestUuid) || !isString(fingerprint)) return undefined;
  // Built without spreads: recovery decodes a record per line.
  let out: Record<string, unknown>;
  if (operation === 'rollback') {
    if (!isString(referenceUuid)) return undefined;
    out = { type: 'command', user, operation, transactionUuid, requestUuid, referenceUuid, fingerprint };
  } else {
    if (!isString(currency) || !isCount(amount)) return undefined;
    if (operation === 'win') {
      if (!isString(referenceUuid)) return undefined;
      out = { type: 'command', user, operation, transactionUuid, requestUuid, referenceUuid, currency, amount, fingerprint };
    } else out = { type: 'command', user, operation, transactionUuid, requestUuid, currency, amount, fingerprint };
  }
  if (isFree !== undefined) {
    if (!isBoolean(isFree)) return undefined;
    out.isFree = isFree;
  }
  if (round !== undefined) {
    if (!isString(round)) return undefined;
    out.round = round;
  }
  if (roundClosed !== undefined) {
    if (!isBoolean(roundClosed)) return undefined;
    out.roundClosed = roundClosed;
  }
  if (gameCode !== undefined) {
    if (!isString(gameCode)) return undefined;
    out.gameCode = gameCode;
  }
  if (at !== undefined) {
    if (!isInteger(at)) return undefined;
    out.at = at;
  }
  return out as unknown as CommandRecord;
}

function entryOf(value: Fields): EntryRecord | undefined {
  const { transactionUuid, user, kind, fingerprint, requestUuid, balance, state, created, free, amount, at, referenceUuid, isFree, round, roundClosed, gameCode } = value;
  if (!isString(transactionUuid) || !isString(user) || !KINDS.has(kind) || !isString(fingerprint) || !isString(requestUuid) || !isInteger(balance) || !isInteger(state)) return undefined;
  if (!optional(created, isCount) || !optional(free, isBoolean) || !optional(amount, isCount) || !optional(at, isInteger) || !optional(referenceUuid, isString)) return undefined;
  if (!optional(isFree, isBoolean) || !optional(round, isString) || !optional(roundClosed, isBoolean) || !optional(gameCode, isString)) return undefined;
  const out: Mutable<EntryRecord> = { type: 'entry', transactionUuid, user, kind: kind as EntryKind, fingerprint, requestUuid, balance, state };
  if (created !== undefined) out.created = created as number;
  if (free === true) out.free = true;
  if (amount !== undefined) out.amount = amount as number;
  if (at !== undefined) out.at = at as number;
  if (referenceUuid !== undefined) out.referenceUuid = referenceUuid as string;
  if (isFree !== undefined) out.isFree = isFree as boolean;
  if (round !== undefined) out.round = round as string;
  if (roundClosed !== undefined) out.roundClosed = roundClosed as boolean;
  if (gameCode !== undefined) out.gameCode = gameCode as string;
  return out;
}

function userOf(value: Fields): UserRecord | undefined {
  const { user, balance, currency, disabled } = value;
  if (!isString(user) || !isInteger(balance) || !optional(currency, isString) || !optional(disabled, isBoolean)) return undefined;
  const out: Mutable<UserRecord> = { type: 'user', user, balance };
  if (currency !== undefined) out.currency = currency as string;
  if (disabled !== undefined) out.disabled = disabled as boolean;
  if (value.info !== undefined) {
    const info = infoOf(value.info);
    if (info === undefined) return undefined;
    out.info = info;
  }
  if (value.limits !== undefined) {
    const limits = limitsOf(value.limits);
    if (limits === undefined) return undefined;
    out.limits = limits;
  }
  if (value.pending !== undefined) {
    const pending = pendingOf(value.pending);
    if (pending === undefined) return undefined;
    out.pending = pending;
  }
  if (value.usage !== undefined) {
    const usage = usageOf(value.usage);
    if (usage === undefined) return undefined;
    out.usage = usage;
  }
  return out;
}

const INFO_TEXT = ['country', 'jurisdiction', 'sub_partner_id', 'birth_date', 'registration_date', 'affiliate_id'] as const;

function infoOf(value: unknown): UserInfo | undefined {
  if (!isObject(value)) return undefined;
  for (const field of INFO_TEXT) if (!optional(value[field], isString)) return undefined;
  const { tags, sex } = value;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every(isString))) return undefined;
  if (sex !== undefined && sex !== 'MALE' && sex !== 'FEMALE') return undefined;
  const out: Mutable<UserInfo> = {};
  if (value.country !== undefined) out.country = value.country as string;
  if (value.jurisdiction !== undefined) out.jurisdiction = value.jurisdiction as string;
  if (value.sub_partner_id !== undefined) out.sub_partner_id = value.sub_partner_id as string;
  if (value.birth_date !== undefined) out.birth_date = value.birth_date as string;
  if (value.registration_date !== undefined) out.registration_date = value.registration_date as string;
  if (tags !== undefined) out.tags = [...(tags as string[])];
  if (sex !== undefined) out.sex = sex;
  if (value.affiliate_id !== undefined) out.affiliate_id = value.affiliate_id as string;
  return out;
}

function limitsOf(value: unknown): Limits | undefined {
  if (!isObject(value)) return undefined;
  const { wager_day, wager_week, wager_month, loss_day, loss_week, loss_month } = value;
  if (!isLimit(wager_day) || !isLimit(wager_week) || !isLimit(wager_month) || !isLimit(loss_day) || !isLimit(loss_week) || !isLimit(loss_month)) return undefined;
  return { wager_day, wager_week, wager_month, loss_day, loss_week, loss_month };
}

function pendingOf(value: unknown): PendingLimits | undefined {
  if (!isObject(value)) return undefined;
  const out: { [name in LimitName]?: { readonly value: number | null; readonly at: number } } = {};
  for (const key of Object.keys(value)) {
    if (!(DISK_LIMIT_NAMES as readonly string[]).includes(key)) return undefined;
    const raise = value[key];
    if (!isObject(raise) || !isLimit(raise.value) || !isInteger(raise.at)) return undefined;
    out[key as LimitName] = { value: raise.value, at: raise.at };
  }
  return out;
}

const isTriple = (value: unknown): value is readonly [number, number, number] => Array.isArray(value) && value.length === 3 && value.every(isInteger);

function usageOf(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const { day, week, month, wager, wins } = value;
  if (!isInteger(day) || !isInteger(week) || !isInteger(month) || !isTriple(wager) || !isTriple(wins)) return undefined;
  return { day, week, month, wagerDay: wager[0], wagerWeek: wager[1], wagerMonth: wager[2], winsDay: wins[0], winsWeek: wins[1], winsMonth: wins[2] };
}
