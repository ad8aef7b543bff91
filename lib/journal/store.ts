import { closeSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppendLog, writeFully } from './append-log.js';
import { decodeRecord, encodeRecord, type JournalRecord } from './format.js';

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

/** A journal or snapshot damaged where a crash cannot have left it: the engine must not start. */
export class JournalCorruptError extends Error {
  constructor(file: string, line: number, why: string) {
    super(`${file}, line ${line}: ${why}; refusing to start rather than serve wrong balances`);
    this.name = 'JournalCorruptError';
  }
}

const SNAPSHOT = /^snapshot-(\d+)\.log$/;
const JOURNAL = /^journal-(\d+)\.log$/;
const name = (kind: 'snapshot' | 'journal', generation: number): string => `${kind}-${String(generation).padStart(6, '0')}.log`;

/**
 * The files of a durable engine, in one directory. Generation n is `snapshot-n.log` (the whole
 * state when it began; generation 0 has none) and `journal-n.log` (every change since). A
 * snapshot starts generation n+1; the files of generation n are removed once it is on disk.
 */
export class JournalStore {
  readonly directory: string;
  #generation: number;
  #log: AppendLog;
  #sinceSnapshot = 0;
  #snapshotting: Promise<void> | undefined;

  private constructor(directory: string, generation: number) {
    this.directory = directory;
    this.#generation = generation;
    this.#log = new AppendLog(join(directory, name('journal', generation)));
  }

  /**
   * Opens the directory (creating it), feeds every record of the newest complete snapshot and
   * of the journals after it to `apply`, in order, and cuts off a torn tail of the last
   * journal. Throws {@link JournalCorruptError} for damage anywhere else.
   */
  static open(directory: string, apply: (record: JournalRecord) => void): { store: JournalStore; report: RecoveryReport } {
    const started = performance.now();
    mkdirSync(directory, { recursive: true });
    const files = readdirSync(directory);
    for (const file of files) if (file.endsWith('.tmp')) rmSync(join(directory, file)); // an unfinished snapshot
    const snapshots = generations(files, SNAPSHOT);
    const base = snapshots.at(-1);
    let records = 0;
    if (base !== undefined) records += readSnapshot(join(directory, name('snapshot', base)), apply);
    // Files older than the newest snapshot are left over from a crash during clean-up.
    for (const generation of snapshots.filter((g) => g !== base)) rmSync(join(directory, name('snapshot', generation)));
    const allJournals = generations(files, JOURNAL);
    for (const generation of allJournals.filter((g) => g < (base ?? 0))) rmSync(join(directory, name('journal', generation)));
    const journals = allJournals.filter((generation) => generation >= (base ?? 0));
    let truncatedBytes = 0;
    let journaled = 0;
    journals.forEach((generation, i) => {
      const result = readJournal(join(directory, name('journal', generation)), apply, i === journals.length - 1);
      journaled += result.records;
      truncatedBytes += result.truncatedBytes;
    });
    records += journaled;
    const store = new JournalStore(directory, journals.at(-1) ?? base ?? 0);
    store.#sinceSnapshot = journaled;
    const seconds = (performance.now() - started) / 1000;
    return { store, report: { snapshot: base === undefined ? undefined : name('snapshot', base), records, truncatedBytes, seconds } };
  }

  /** Commits (one write and one `fdatasync` each) to the current journal. */
  get commits(): number {
    return this.#log.commits;
  }

  /** Records appended since the last snapshot. */
  get sinceSnapshot(): number {
    return this.#sinceSnapshot;
  }

  /** Appends one encoded record (see `encodeRecord` and `encodeCommand`). */
  append(line: string): void {
    this.#log.append(line);
    this.#sinceSnapshot += 1;
  }

  /** Resolves once every record appended so far is on disk; rejects if the disk failed. */
  durable(): Promise<void> {
    return this.#log.durable();
  }

  /**
   * Writes a snapshot of `state` (called at once, so it sees one consistent moment) and starts
   * a new generation; the older files are removed once the snapshot is on disk. One snapshot
   * at a time: a call during another waits for it and returns.
   */
  snapshot(state: () => Iterable<JournalRecord>): Promise<void> {
    if (this.#snapshotting !== undefined) return this.#snapshotting;
    const previous = this.#generation;
    const next = previous + 1;
    const lines: string[] = [];
    for (const record of state()) lines.push(encodeRecord(record));
    lines.push(encodeRecord({ type: 'end', records: lines.length }));
    const oldLog = this.#log;
    this.#generation = next;
    this.#log = new AppendLog(join(this.directory, name('journal', next)), oldLog.durable());
    this.#sinceSnapshot = 0;
    this.#snapshotting = (async () => {
      try {
        await writeDurably(join(this.directory, `${name('snapshot', next)}.tmp`), lines);
        renameSync(join(this.directory, `${name('snapshot', next)}.tmp`), join(this.directory, name('snapshot', next)));
        syncDirectory(this.directory);
        await oldLog.close();
        rmSync(join(this.directory, name('journal', previous)), { force: true });
        rmSync(join(this.directory, name('snapshot', previous)), { force: true });
      } finally {
        this.#snapshotting = undefined;
      }
    })();
    return this.#snapshotting;
  }

  /** Waits for a snapshot under way and for every record to be on disk, then closes the files. */
  async close(): Promise<void> {
    await this.#snapshotting;
    await this.#log.close();
  }
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

function readSnapshot(path: string, apply: (record: JournalRecord) => void): number {
  const data = readFileSync(path);
  let offset = 0;
  let count = 0;
  while (offset < data.length) {
    const end = data.indexOf(0x0a, offset);
    const record = end < 0 ? undefined : decodeRecord(data, offset, end);
    if (record === undefined) throw new JournalCorruptError(path, count + 1, 'checksum or syntax error');
    if (record.type === 'end') {
      if (record.records !== count || end !== data.length - 1) throw new JournalCorruptError(path, count + 1, 'the snapshot is incomplete');
      return count;
    }
    applyAt(path, count + 1, record, apply);
    count += 1;
    offset = end + 1;
  }
  throw new JournalCorruptError(path, count, 'the snapshot has no end record');
}

/**
 * Applies every record of a journal. A damaged or unfinished stretch at the very end of the
 * last journal is what a crash during a write leaves: it is cut off. Damage followed by good
 * records, or in an earlier journal, is corruption.
 */
function readJournal(path: string, apply: (record: JournalRecord) => void, last: boolean): { records: number; truncatedBytes: number } {
  const data = readFileSync(path);
  let offset = 0;
  let records = 0;
  let line = 0;
  while (offset < data.length) {
    const end = data.indexOf(0x0a, offset);
    const record = end < 0 ? undefined : decodeRecord(data, offset, end);
    line += 1;
    if (record !== undefined) {
      applyAt(path, line, record, apply);
      records += 1;
      offset = end + 1;
    } else {
      if (!last || hasValidRecordAfter(data, end)) throw new JournalCorruptError(path, line, 'checksum or syntax error');
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return { records, truncatedBytes: data.length - offset };
    }
  }
  return { records, truncatedBytes: 0 };
}

/** Applies a record; a record the engine refuses is corruption too, reported where it stands. */
function applyAt(path: string, line: number, record: JournalRecord, apply: (record: JournalRecord) => void): void {
  try {
    apply(record);
  } catch (error) {
    throw new JournalCorruptError(path, line, (error as Error).message);
  }
}

function hasValidRecordAfter(data: Buffer, end: number): boolean {
  let offset = end < 0 ? data.length : end + 1;
  while (offset < data.length) {
    const next = data.indexOf(0x0a, offset);
    if (next < 0) return false;
    if (decodeRecord(data, offset, next) !== undefined) return true;
    offset = next + 1;
  }
  return false;
}

async function writeDurably(path: string, lines: readonly string[]): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    const chunk = 1 << 16;
    for (let i = 0; i < lines.length; i += chunk) await writeFully(fd, Buffer.from(lines.slice(i, i + chunk).join('')));
    await syncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
