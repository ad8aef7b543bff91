import { closeSync, type Dirent, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeFileSystem, syncDirectoryThrough, writeFully, type JournalFileSystem } from './append-log.js';
import { BINARY_MARKER, binaryEnd, decodeBinary, FIRST_BINARY_FORMAT } from './binary.js';
import type { EncodedLines } from './entry-lines.js';
import { decodeRecord, encodeRecord, parseLine, type FileRecord, type JournalRecord } from './format.js';
import { DirectoryLock } from './lock.js';
import { declaredFormat, FORMAT_VERSION, JournalFormatError } from './records.js';
import { checkSettings, settingsRecord, type EngineSettings } from './settings.js';

const syncAsync = promisify(fdatasync);

/** What recovery found and did. */
export interface RecoveryReport {
  /** The snapshot it started from, if any. */
  readonly snapshot: string | undefined;
  /** Records read from the snapshot and from the journals after it. */
  readonly records: number;
  /** Bytes of a torn or damaged journal tail that were cut off, 0 when the tail was clean. */
  readonly truncatedBytes: number;
  /** Seconds recovery took. */
  readonly seconds: number;
}

/**
 * The state at one moment, for a snapshot: its records, read over many event-loop turns while
 * the engine goes on changing (the engine keeps what changes meanwhile aside), and what lets the
 * engine write in place again once the snapshot has read them or failed.
 */
export interface StateView {
  /** Records, or lines already encoded (see `entryLines`). */
  readonly records: Iterable<JournalRecord | EncodedLines>;
  release(): void;
}

/** A journal or snapshot damaged where a crash cannot have left it: the engine must not start. */
export class JournalCorruptError extends Error {
  /** `line` is left out when the file as a whole is wrong (say, a directory stands in its place). */
  constructor(file: string, line: number | undefined, why: string) {
    super(`${file}${line === undefined ? '' : `, line ${line}`}: ${why}; refusing to start rather than serve wrong balances`);
    this.name = 'JournalCorruptError';
  }
}

/** Journal and snapshot files are the owner's alone: they hold every balance. */
export const FILE_MODE = 0o600;
/** A data directory the engine creates is the owner's alone; an existing one is left as it is. */
export const DIRECTORY_MODE = 0o700;

const SNAPSHOT = /^snapshot-(\d+)\.log$/;
const JOURNAL = /^journal-(\d+)\.log$/;
const name = (kind: 'snapshot' | 'journal', generation: number): string => `${kind}-${String(generation).padStart(6, '0')}.log`;

/** The path of journal `generation` in `directory`. */
export const journalPath = (directory: string, generation: number): string => join(directory, name('journal', generation));

/** What recovery leaves for the engine that journals on: the directory's lock and where to write. */
export interface Recovered {
  readonly lock: DirectoryLock;
  /** The generation of the journal to continue (its file may not exist yet). */
  readonly generation: number;
  /** Records read from the journals after the snapshot (what counts toward the next snapshot). */
  readonly journaled: number;
  /** The header line the journal to continue still needs, if any. */
  readonly header: string | undefined;
  /**
   * The format of the journal to continue, which what is appended to it must keep: a file of an
   * earlier format is continued in its own (see "Format versions" in docs/durability.md); a new
   * or empty one is written in {@link FORMAT_VERSION}.
   */
  readonly format: number;
  readonly report: RecoveryReport;
}

/**
 * Recovery of the files of a durable engine, in one directory it holds exclusively (see
 * {@link DirectoryLock}). Generation n is `snapshot-n.log` (the whole state when it began;
 * generation 0 has none) and `journal-n.log` (every change since), each headed by the format
 * version and the engine settings (see `records.ts`). A snapshot starts generation n+1; the
 * files of older generations are removed once it is on disk. A snapshot that fails leaves them
 * all: recovery then reads every journal since the newest snapshot that was completed.
 *
 * Takes the directory (creating it), feeds every record of the newest complete snapshot and of
 * the journals after it to `apply`, in order, and cuts off a torn tail of the last journal.
 * Throws {@link JournalLockedError} if another engine holds the directory,
 * {@link JournalFormatError} if a file is of a newer format than this version reads,
 * {@link JournalSettingsError} if it was written with other `settings`, and
 * {@link JournalCorruptError} for damage anywhere but a torn tail; the lock is released then.
 */
export function recover(directory: string, settings: EngineSettings, apply: (record: JournalRecord) => void): Recovered {
  const started = performance.now();
  mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
  const lock = DirectoryLock.acquire(directory);
  try {
    return readDirectory(directory, settings, apply, lock, started);
  } catch (error) {
    lock.release();
    throw error;
  }
}

function readDirectory(directory: string, settings: EngineSettings, apply: (record: JournalRecord) => void, lock: DirectoryLock, started: number): Recovered {
  const entries = readdirSync(directory, { withFileTypes: true });
  // An unfinished snapshot; only files: a directory of that name is not ours to remove.
  for (const entry of entries) if (entry.isFile() && entry.name.endsWith('.tmp')) rmSync(join(directory, entry.name));
  const files = entries.map((entry) => entry.name);
  for (const entry of entries) if (SNAPSHOT.test(entry.name) || JOURNAL.test(entry.name)) checkRegularFile(join(directory, entry.name), entry);
  // Before anything is read, cut or removed: a file of a newer format is not this version's to touch.
  for (const entry of entries) if (SNAPSHOT.test(entry.name) || JOURNAL.test(entry.name)) checkFormat(join(directory, entry.name));
  const snapshots = generations(files, SNAPSHOT);
  const base = snapshots.at(-1);
  let records = 0;
  if (base !== undefined) records += readSnapshot(join(directory, name('snapshot', base)), settings, apply);
  // Files older than the newest snapshot are left over from a crash during clean-up.
  for (const generation of snapshots.filter((g) => g !== base)) rmSync(join(directory, name('snapshot', generation)));
  const allJournals = generations(files, JOURNAL);
  for (const generation of allJournals.filter((g) => g < (base ?? 0))) rmSync(join(directory, name('journal', generation)));
  const journals = allJournals.filter((generation) => generation >= (base ?? 0)).map((generation) => join(directory, name('journal', generation)));
  const contents = journals.map((path) => readFileSync(path));
  // A journal's writes start only once the journal before it is on disk, so a torn tail may
  // stand in any journal that only empty ones follow (a crash right after a snapshot began).
  const lastWritten = contents.findLastIndex((data) => data.length > 0);
  let truncatedBytes = 0;
  let journaled = 0;
  // What the journal to be continued holds: no line at all (or there is none yet), or whether it has its settings.
  let empty = true;
  let headed = false;
  let format = FORMAT_VERSION;
  journals.forEach((path, i) => {
    const result = readJournal(path, contents[i] as Buffer, settings, apply, i >= lastWritten);
    journaled += result.records;
    truncatedBytes += result.truncatedBytes;
    headed = result.settings;
    empty = result.empty;
    format = result.format;
  });
  records += journaled;
  const generation = allJournals.filter((g) => g >= (base ?? 0)).at(-1) ?? base ?? 0;
  // A new journal gets its header. One from before settings were recorded gets them now, and
  // stays a file of version 1: its first line says so (see "Format versions" in docs/durability.md).
  const header = empty ? encodeRecord(settingsRecord(settings)) : headed ? undefined : encodeRecord(settingsRecord(settings, false));
  const seconds = (performance.now() - started) / 1000;
  return { lock, generation, journaled, header, format, report: { snapshot: base === undefined ? undefined : name('snapshot', base), records, truncatedBytes, seconds } };
}

/**
 * Writes snapshot `generation` of `directory` as a `.tmp` file: `head`, then `records` (see
 * {@link writeInSlices}). {@link installSnapshot} makes it the snapshot.
 */
export function writeSnapshotFile(directory: string, generation: number, head: string, records: Iterable<JournalRecord | EncodedLines>): Promise<void> {
  return writeInSlices(`${join(directory, name('snapshot', generation))}.tmp`, head, records);
}

/**
 * Renames the written snapshot `generation` into place, makes that durable (the directory's
 * `fsync`, through `fs`), and removes the files of older generations (what is left over is
 * removed by the next recovery: clean-up never fails a snapshot). Asynchronous: removing a
 * journal of a million records holds the event loop for a while.
 */
export async function installSnapshot(directory: string, generation: number, fs: JournalFileSystem = nodeFileSystem): Promise<void> {
  const path = join(directory, name('snapshot', generation));
  await rename(`${path}.tmp`, path);
  await syncDirectoryThrough(fs, directory);
  for (const file of await readdir(directory)) {
    const older = (SNAPSHOT.exec(file) ?? JOURNAL.exec(file))?.[1];
    if (older !== undefined && Number(older) < generation) await rm(join(directory, file), { force: true });
  }
}

/**
 * Throws {@link JournalCorruptError} unless the entry named like a journal or snapshot is a
 * regular file (or a link to one): a directory or anything else in its place cannot hold the
 * state, and reading or removing it would fail with a bare system error.
 */
function checkRegularFile(path: string, entry: Dirent): void {
  if (entry.isFile()) return;
  let file = false;
  try {
    file = entry.isSymbolicLink() && statSync(path).isFile();
  } catch {
    // a dangling link: not a file either
  }
  if (!file) throw new JournalCorruptError(path, undefined, `${entry.isDirectory() ? 'a directory' : 'no regular file'} stands where a journal or snapshot file belongs`);
}

/** The generation numbers of the files whose names match `pattern`, in ascending order. */
function generations(files: readonly string[], pattern: RegExp): number[] {
  const found: number[] = [];
  for (const file of files) {
    const generation = pattern.exec(file)?.[1];
    if (generation !== undefined) found.push(Number(generation));
  }
  return found.sort((a, b) => a - b);
}

function readSnapshot(path: string, settings: EngineSettings, apply: (record: JournalRecord) => void): number {
  const data = readFileSync(path);
  let offset = 0;
  let count = 0;
  let line = 0;
  let binary = false;
  while (offset < data.length) {
    const end = recordEnd(data, offset, binary);
    line += 1;
    const record: FileRecord | undefined = end < 0 ? undefined : recordAt(data, offset, end, line, binary);
    if (record === undefined) throw new JournalCorruptError(path, line, 'checksum or syntax error');
    if (record.type === 'end') {
      if (record.records !== count || end !== data.length) throw new JournalCorruptError(path, line, 'the snapshot is incomplete');
      return count;
    }
    // The settings line is not a record of the state, and snapshots from before it lack it.
    if (record.type === 'settings') {
      checkSettings(path, record, settings);
      binary = (record.format ?? 1) >= FIRST_BINARY_FORMAT;
    } else {
      applyAt(path, line, record, apply);
      count += 1;
    }
    offset = end;
  }
  throw new JournalCorruptError(path, line, 'the snapshot has no end record');
}

/**
 * Applies every record of a journal and checks the settings it holds. A damaged or unfinished
 * stretch at the very end of the last journal written is what a crash during a write leaves:
 * it is cut off. Damage followed by good records, or in an earlier journal, is corruption.
 * Answers also the journal's format: the one its first line declares (1 without one), or
 * {@link FORMAT_VERSION} for a journal left empty, which gets a new header.
 */
function readJournal(
  path: string,
  data: Buffer,
  settings: EngineSettings,
  apply: (record: JournalRecord) => void,
  last: boolean,
): { records: number; truncatedBytes: number; settings: boolean; empty: boolean; format: number } {
  let offset = 0;
  let records = 0;
  let line = 0;
  let headed = false;
  let format = 1;
  let binary = false;
  while (offset < data.length) {
    const end = recordEnd(data, offset, binary);
    line += 1;
    const record: FileRecord | undefined = end < 0 ? undefined : recordAt(data, offset, end, line, binary);
    if (record !== undefined) {
      if (record.type === 'settings') {
        checkSettings(path, record, settings);
        headed = true;
        if (line === 1) format = record.format ?? 1;
        binary = format >= FIRST_BINARY_FORMAT;
      } else {
        applyAt(path, line, record, apply);
        if (record.type !== 'time') records += 1;
      }
      offset = end;
    } else {
      if (!last || hasValidRecordAfter(data, offset, binary)) throw new JournalCorruptError(path, line, 'checksum or syntax error');
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return { records, truncatedBytes: data.length - offset, settings: headed, empty: offset === 0, format: offset === 0 ? FORMAT_VERSION : format };
    }
  }
  return { records, truncatedBytes: 0, settings: headed, empty: data.length === 0, format: data.length === 0 ? FORMAT_VERSION : format };
}

/**
 * Where the record at `start` of a file ends (exclusive), or -1 if it is cut short: a line
 * without its newline, or a binary record (in a file whose format has them) that runs past the
 * end of the data.
 */
function recordEnd(data: Buffer, start: number, binary: boolean): number {
  if (binary && data[start] === BINARY_MARKER) return binaryEnd(data, start);
  const newline = data.indexOf(0x0a, start);
  return newline < 0 ? -1 : newline + 1;
}

/**
 * The record of the `line`th record of a file, from `start` to `end`, or `undefined` if it is
 * damaged: a header (a `settings` record with a format) stands only on the first line, and a
 * binary record only in a file whose format has them.
 */
function recordAt(data: Buffer, start: number, end: number, line: number, binary: boolean): FileRecord | undefined {
  if (binary && data[start] === BINARY_MARKER) return decodeBinary(data, start, end);
  const record = decodeRecord(data, start, end - 1);
  return record?.type === 'settings' && record.format !== undefined && line !== 1 ? undefined : record;
}

/** Bytes read for a file's first line: a header is far shorter. */
const HEADER_BYTES = 1 << 16;

/**
 * Throws {@link JournalFormatError} if the first line of the file at `path` declares a newer
 * format than {@link FORMAT_VERSION}. Only the header is read: whatever a newer version writes
 * after it, its first line says which it is. A first line that is damaged or no header declares
 * nothing (version 1, or a torn write that recovery deals with).
 */
function checkFormat(path: string): void {
  const fd = openSync(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.allocUnsafe(HEADER_BYTES);
    head = head.subarray(0, readSync(fd, head, 0, HEADER_BYTES, 0));
  } finally {
    closeSync(fd);
  }
  const end = head.indexOf(0x0a);
  if (end < 0) return;
  const version = declaredFormat(parseLine(head, 0, end));
  if (version > FORMAT_VERSION) throw new JournalFormatError(path, version);
}

/** Applies a record; a record the engine refuses is corruption too, reported where it stands. */
function applyAt(path: string, line: number, record: JournalRecord, apply: (record: JournalRecord) => void): void {
  try {
    apply(record);
  } catch (error) {
    throw new JournalCorruptError(path, line, (error as Error).message);
  }
}

/**
 * True if a whole, valid record begins anywhere after the damaged one at `start`: a line after a
 * newline, or (where the format has them) a binary record. A torn write leaves none.
 */
function hasValidRecordAfter(data: Buffer, start: number, binary: boolean): boolean {
  for (let offset = start + 1; offset < data.length; offset += 1) {
    if (binary && data[offset] === BINARY_MARKER) {
      const end = binaryEnd(data, offset);
      if (end > 0 && decodeBinary(data, offset, end) !== undefined) return true;
    }
    if (data[offset - 1] === 0x0a) {
      const next = data.indexOf(0x0a, offset);
      if (next > 0 && decodeRecord(data, offset, next) !== undefined) return true;
    }
  }
  return false;
}

/** Longest stretch, in milliseconds, that writing a snapshot keeps the event loop to itself. */
const SLICE_MILLISECONDS = 10;
/** Characters encoded before they are written out. */
const SLICE_CHARACTERS = 1 << 20;

/**
 * Writes a snapshot file: the head, a line per record, the `end` line; then `fdatasync`. Records
 * are read and encoded a slice at a time (at most {@link SLICE_MILLISECONDS} or
 * {@link SLICE_CHARACTERS}), each slice written out asynchronously before the next, so that
 * requests are served between slices however large the state.
 */
async function writeInSlices(path: string, head: string, records: Iterable<JournalRecord | EncodedLines>): Promise<void> {
  const fd = openSync(path, 'w', FILE_MODE);
  try {
    let count = 0;
    let chunk = head;
    let sliceStarted = performance.now();
    for (const record of records) {
      if ('bytes' in record) {
        // Encoded already, a buffer at a time: written out before the next is asked for.
        if (chunk !== '') await writeFully(fd, Buffer.from(chunk));
        await writeFully(fd, record.bytes);
        count += record.count;
        chunk = '';
        sliceStarted = performance.now();
        continue;
      }
      chunk += encodeRecord(record);
      count += 1;
      if ((count & 127) === 0 && (chunk.length >= SLICE_CHARACTERS || performance.now() - sliceStarted >= SLICE_MILLISECONDS)) {
        await writeFully(fd, Buffer.from(chunk));
        chunk = '';
        sliceStarted = performance.now();
      }
    }
    await writeFully(fd, Buffer.from(chunk + encodeRecord({ type: 'end', records: count })));
    await syncAsync(fd);
  } finally {
    closeSync(fd);
  }
}
