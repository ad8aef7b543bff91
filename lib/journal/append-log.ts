import * as nodeFs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import type { Command } from '../validation.js';
import { writeCommand } from './format.js';
import { LineBuffer } from './line-buffer.js';

type Done<T = void> = (error: NodeJS.ErrnoException | null, result: T) => void;

/**
 * The file-system calls an append log makes, so that a test can watch (or fail) each write and
 * `fdatasync` of a running engine. Every store uses {@link nodeFileSystem} unless told otherwise.
 */
export interface JournalFileSystem {
  openSync(path: string, flags: 'a', mode: number): number;
  closeSync(fd: number): void;
  write(fd: number, buffer: Buffer, offset: number, length: number, position: null, callback: Done<number>): void;
  fdatasync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  fstat(fd: number, options: { bigint: true }, callback: Done<BigIntStats>): void;
  stat(path: string, options: { bigint: true }, callback: Done<BigIntStats>): void;
}

/** The real `node:fs` functions. */
export const nodeFileSystem: JournalFileSystem = {
  openSync: nodeFs.openSync,
  closeSync: nodeFs.closeSync,
  write: nodeFs.write,
  fdatasync: nodeFs.fdatasync,
  fstat: nodeFs.fstat,
  stat: nodeFs.stat,
};

/** Calls `call` with a node-style callback and settles with what it reports. */
const settle = <T>(call: (callback: Done<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => call((error, result) => (error === null ? resolve(result) : reject(error))));

/** The journal file was removed or replaced while open: what is written to it no restart will find. */
export class JournalDetachedError extends Error {
  constructor(path: string) {
    super(`${path} is no longer in its directory (removed or replaced): nothing written to it from now on could be recovered`);
    this.name = 'JournalDetachedError';
  }
}

/**
 * An append-only file with group commit: lines appended during one event-loop turn (and any
 * that arrive while a write is under way) go out in one write and one `fdatasync`.
 * {@link durable} tells when everything appended so far is on disk. After a failed write every
 * later {@link durable} rejects: the log never claims durability it cannot give. Each commit also
 * checks that the file is still the one at its path: a removed data directory fails like a
 * failed write. {@link close} is idempotent, and nothing touches the descriptor after it.
 */
/** Running totals of the commits of every log of one journal, across generations. */
export interface CommitTally {
  commits: number;
  lines: number;
  seconds: number;
}

export class AppendLog {
  readonly path: string;
  readonly #fd: number;
  /** Lines waiting for the next write: text, or a command and (in {@link #users} and {@link #ats}, at the same index) its user and time. */
  #pending: Array<string | Command> = [];
  #users: string[] = [];
  #ats: Array<number | undefined> = [];
  /** What each write sends, encoded; reused, as one write at a time is under way. */
  readonly #buffer = new LineBuffer();
  #waiting: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;
  #writing: Promise<void>;
  #busy = false;
  #failure: Error | undefined;
  #commits = 0;
  #closing: Promise<void> | undefined;
  #closed = false;

  readonly #tally: CommitTally;
  readonly #fs: JournalFileSystem;

  /**
   * Opens `path` for appending; its first write waits for `after` (an earlier log's last write).
   * Each commit is added to `tally`. Every file operation goes through `fs`.
   */
  constructor(path: string, after: Promise<void> = Promise.resolve(), tally: CommitTally = { commits: 0, lines: 0, seconds: 0 }, fs: JournalFileSystem = nodeFileSystem) {
    this.path = path;
    this.#fs = fs;
    this.#fd = fs.openSync(path, 'a', 0o600); // the owner's alone: it holds every balance
    this.#writing = after;
    this.#tally = tally;
  }

  /** Writes done so far, each followed by one `fdatasync`. */
  get commits(): number {
    return this.#commits;
  }

  /** Appends one encoded line (see `encodeRecord`). */
  append(line: string): void {
    this.#pending.push(line);
    this.#users.push('');
    this.#ats.push(undefined);
    this.#flushSoon();
  }

  /**
   * Appends the `command` line of a transaction applied for `user` at `at` (ms since the epoch),
   * encoded when it is written (see `writeCommand`).
   */
  appendCommand(user: string, command: Command, at?: number): void {
    this.#pending.push(command);
    this.#users.push(user);
    this.#ats.push(at);
    this.#flushSoon();
  }

  /** Makes sure a flush is due once this event-loop turn is over. */
  #flushSoon(): void {
    if (this.#waiting === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // a failure is reported through durable()
      this.#waiting = { promise, resolve, reject };
      setImmediate(() => this.#flush());
    }
  }

  /** The error that stopped the log, if a write failed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Resolves once every line appended so far is on disk. */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return this.#waiting?.promise ?? this.#writing;
  }

  /**
   * Waits for every appended line to be on disk, then closes the file, once: later calls
   * return the same promise, so a descriptor number is never closed twice (by then it may
   * belong to another file).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        // Lines appended meanwhile are written too: no write may be in flight at the close.
        do await this.durable();
        while (this.#busy || this.#waiting !== undefined);
      } finally {
        this.#closed = true;
        this.#fs.closeSync(this.#fd);
      }
    })();
    return this.#closing;
  }

  #flush(): void {
    if (this.#busy || this.#waiting === undefined) return;
    const waiting = this.#waiting;
    const data = this.#encode();
    const lines = this.#pending.length;
    this.#waiting = undefined;
    this.#pending = [];
    this.#users = [];
    this.#ats = [];
    this.#busy = true;
    this.#writing = this.#writing.then(() => this.#writeAll(data, lines));
    this.#writing.then(
      () => {
        this.#busy = false;
        waiting.resolve();
        this.#flush(); // lines that arrived during the write
      },
      (error: Error) => {
        this.#failure = error;
        waiting.reject(error);
        this.#waiting?.reject(error);
      },
    );
  }

  /** The pending lines as bytes, in the reused buffer: the write of the previous ones is over. */
  #encode(): Buffer {
    const out = this.#buffer;
    const pending = this.#pending;
    out.clear();
    for (let i = 0; i < pending.length; i += 1) {
      const item = pending[i] as string | Command;
      if (typeof item === 'string') out.line(item);
      else writeCommand(out, this.#users[i] as string, item, this.#ats[i]);
    }
    return out.bytes();
  }

  async #writeAll(data: Buffer, lines: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new Error(`${this.path} is closed: the engine was stopped`);
    const started = performance.now();
    const fs = this.#fs;
    await writeFully(this.#fd, data, fs);
    await settle<void>((done) => fs.fdatasync(this.#fd, (error) => done(error, undefined)));
    await this.#checkInPlace();
    this.#commits += 1;
    this.#tally.commits += 1;
    this.#tally.lines += lines;
    this.#tally.seconds += (performance.now() - started) / 1000;
  }

  /** Throws {@link JournalDetachedError} unless the open file is still linked at its path. */
  async #checkInPlace(): Promise<void> {
    const fs = this.#fs;
    const [open, named] = await Promise.all([
      settle<BigIntStats>((done) => fs.fstat(this.#fd, { bigint: true }, done)),
      settle<BigIntStats | undefined>((done) => fs.stat(this.path, { bigint: true }, (error, stats) => (error?.code === 'ENOENT' ? done(null, undefined) : done(error, stats)))),
    ]);
    if (open.nlink === 0n || named === undefined || named.ino !== open.ino || named.dev !== open.dev) throw new JournalDetachedError(this.path);
  }
}

/** Writes all of `data` at the file's position, however many `write` calls the system needs. */
export async function writeFully(fd: number, data: Buffer, fs: JournalFileSystem = nodeFileSystem): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const from = written;
    written += await settle<number>((done) => fs.write(fd, data, from, data.length - from, null, done));
  }
}
