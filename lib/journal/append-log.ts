import * as nodeFs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from '../validation.js';
import { writeBinaryCommand } from './binary.js';
import { writeCommand } from './format.js';
import { LineBuffer } from './line-buffer.js';

type Done<T = void> = (error: NodeJS.ErrnoException | null, result: T) => void;

/** A commit to come, and what settles it. */
interface Waiting {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The file-system calls an append log makes, so that a test can watch (or fail) each write and
 * `fdatasync` of a running engine. Every store uses {@link nodeFileSystem} unless told otherwise.
 */
export interface JournalFileSystem {
  openSync(path: string, flags: 'a', mode: number): number;
  closeSync(fd: number): void;
  write(fd: number, buffer: Buffer, offset: number, length: number, position: null, callback: Done<number>): void;
  fdatasync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  /** The open file's identity, once, when it is opened. */
  fstatSync(fd: number, options: { bigint: true }): BigIntStats;
  /** What the path names now, at each commit (see `JournalDetachedError`). */
  statSync(path: string, options: { bigint: true }): BigIntStats;
  /** Not called: the log checks with {@link fstatSync} and {@link statSync}. Kept so that file systems written for earlier versions still fit. */
  fstat?(fd: number, options: { bigint: true }, callback: Done<BigIntStats>): void;
  /** Not called (see {@link fstat}). */
  stat?(path: string, options: { bigint: true }, callback: Done<BigIntStats>): void;
  /**
   * Makes a directory's entries durable (`fsync` of the directory): a journal's name once it is
   * opened, a snapshot's once it is renamed into place. A file system without it (one written
   * for an earlier version) gets {@link syncDirectory}.
   */
  syncDirectory?(path: string, callback: (error: NodeJS.ErrnoException | null) => void): void;
}

/** `fsync` of the directory at `path`: what makes a rename or a new file in it survive a power cut. */
export function syncDirectory(path: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
  nodeFs.open(path, 'r', (error, fd) => {
    if (error !== null) return callback(error);
    nodeFs.fsync(fd, (syncError) => nodeFs.close(fd, (closeError) => callback(syncError ?? closeError)));
  });
}

/** The real `node:fs` functions. */
export const nodeFileSystem: JournalFileSystem = {
  openSync: nodeFs.openSync,
  closeSync: nodeFs.closeSync,
  write: nodeFs.write,
  fdatasync: nodeFs.fdatasync,
  fstatSync: (fd, options) => nodeFs.fstatSync(fd, options),
  statSync: (path, options) => nodeFs.statSync(path, options),
  syncDirectory,
};

/** Calls `call` with a node-style callback and settles with what it reports. */
const settle = <T>(call: (callback: Done<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => call((error, result) => (error === null ? resolve(result) : reject(error))));

/** Syncs `directory` through `fs` (see {@link JournalFileSystem.syncDirectory}). */
export function syncDirectoryThrough(fs: JournalFileSystem, directory: string): Promise<void> {
  const sync = fs.syncDirectory?.bind(fs) ?? syncDirectory;
  return settle<void>((done) => sync(directory, (error) => done(error, undefined)));
}

/** The journal file was removed or replaced while open: what is written to it no restart will find. */
export class JournalDetachedError extends Error {
  constructor(path: string) {
    super(`${path} is no longer in its directory (removed or replaced): nothing written to it from now on could be recovered`);
    this.name = 'JournalDetachedError';
  }
}

/** Running totals of the commits of every log of one journal, across generations. */
export interface CommitTally {
  commits: number;
  lines: number;
  seconds: number;
}

/**
 * An append-only file with group commit: lines appended during one event-loop turn (and any
 * that arrive while a write is under way) go out in one write and one `fdatasync`.
 * {@link durable} tells when everything appended so far is on disk. After a failed write every
 * later {@link durable} rejects: the log never claims durability it cannot give. Each commit also
 * checks that the file is still the one at its path (beside the write and the sync, not after
 * them): a removed data directory fails like a failed write. {@link close} is idempotent, and nothing touches the descriptor after it.
 */
export class AppendLog {
  readonly path: string;
  readonly #fd: number;
  /** The device and inode of the open file: what its path must still name. */
  readonly #dev: bigint;
  readonly #ino: bigint;
  /** Lines waiting for the next write: text, or a command and (in {@link #users} and {@link #ats}, at the same index) its user and time. */
  #pending: Array<string | Command> = [];
  #users: string[] = [];
  #ats: Array<number | undefined> = [];
  /** What each write sends, encoded; reused, as one write at a time is under way. */
  readonly #buffer = new LineBuffer();
  /** The commit the lines appended since the last flush wait for. */
  #waiting: Waiting | undefined;
  /** The latest commit begun (under way or done); before the first, the last one of the log before. */
  #written: Promise<void>;
  /** Until this log's first commit: the last write of the log before it, which that commit waits for. */
  #after: Promise<void> | undefined;
  #busy = false;
  #failure: Error | undefined;
  #commits = 0;
  #closing: Promise<void> | undefined;
  #closed = false;

  readonly #tally: CommitTally;
  readonly #fs: JournalFileSystem;
  /** Commands go out as binary records (a file of format 3 on), else as lines. */
  readonly #binary: boolean;

  /**
   * Opens `path` for appending; its first write waits for `after` (an earlier log's last write)
   * and for the `fsync` of the directory that holds the file.
   * Each commit is added to `tally`. Every file operation goes through `fs`. With `binary`, a
   * command is written as a binary record (see binary.ts), which only files of format 3 on may
   * hold; else as a line.
   */
  constructor(path: string, after: Promise<void> = Promise.resolve(), tally: CommitTally = { commits: 0, lines: 0, seconds: 0 }, fs: JournalFileSystem = nodeFileSystem, binary = false) {
    this.path = path;
    this.#fs = fs;
    this.#binary = binary;
    this.#fd = fs.openSync(path, 'a', 0o600); // the owner's alone: it holds every balance
    try {
      ({ dev: this.#dev, ino: this.#ino } = fs.fstatSync(this.#fd, BIGINT));
    } catch (error) {
      fs.closeSync(this.#fd);
      throw error;
    }
    this.#written = after;
    // The file may be new, and its name is on disk only once its directory is synced: the first
    // commit waits for that as well. A failed sync fails that commit.
    this.#after = Promise.all([after, syncDirectoryThrough(fs, dirname(path))]).then(() => {});
    this.#after.catch(() => {}); // reported by the first commit, if one comes
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
   * Appends the `command` record of a transaction applied for `user` at `at` (ms since the
   * epoch), encoded when it is written (see `writeBinaryCommand` and `writeCommand`).
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
      queueMicrotask(() => this.#flush());
    }
  }

  /** The error that stopped the log, if a write failed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Resolves once every line appended so far is on disk. */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return this.#waiting?.promise ?? this.#written;
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
    this.#written = waiting.promise;
    const after = this.#after;
    if (after === undefined) this.#commit(data, lines, waiting);
    else {
      // The first write of this log waits for the last one of the log before it.
      this.#after = undefined;
      after.then(
        () => this.#commit(data, lines, waiting),
        (error: Error) => this.#committed(error, waiting),
      );
    }
  }

  /** The pending lines as bytes, in the reused buffer: the write of the previous ones is over. */
  #encode(): Buffer {
    const out = this.#buffer;
    const pending = this.#pending;
    const binary = this.#binary;
    out.clear();
    for (let i = 0; i < pending.length; i += 1) {
      const item = pending[i] as string | Command;
      if (typeof item === 'string') out.line(item);
      // A command binary records cannot carry (a lone surrogate in a string) goes as a line.
      else if (!binary || !writeBinaryCommand(out, this.#users[i] as string, item, this.#ats[i])) writeCommand(out, this.#users[i] as string, item, this.#ats[i]);
    }
    return out.bytes();
  }

  /**
   * One commit: the write of `data`, then its `fdatasync`; the check that the file is still at
   * its path runs beside them (it reads nothing they change), so that a commit costs the write and
   * the sync alone. `waiting` is settled once all of it is done: resolved only after the
   * `fdatasync` succeeded and the file was found in place, rejected if anything failed.
   */
  #commit(data: Buffer, lines: number, waiting: Waiting): void {
    const started = performance.now();
    if (this.#failure !== undefined) return this.#committed(this.#failure, waiting);
    if (this.#closed) return this.#committed(new Error(`${this.path} is closed: the engine was stopped`), waiting);
    const fs = this.#fs;
    const fd = this.#fd;
    let outstanding = 2;
    let failure: Error | undefined;
    const done = (error: Error | null): void => {
      if (error !== null) failure ??= error;
      outstanding -= 1;
      if (outstanding > 0) return;
      if (failure === undefined) {
        this.#commits += 1;
        this.#tally.commits += 1;
        this.#tally.lines += lines;
        this.#tally.seconds += (performance.now() - started) / 1000;
      }
      this.#committed(failure ?? null, waiting);
    };
    writeAll(fs, fd, data, 0, (error) => (error === null ? fs.fdatasync(fd, done) : done(error)));
    // While the write is under way: one `stat`, a few microseconds of this thread, where a
    // round trip to the thread pool would cost more than the call.
    done(this.#checkInPlace());
  }

  /**
   * Why the file is no longer the one at its path, if it is not (a {@link JournalDetachedError},
   * or the error of the `stat`), else `null`. The open file's device and inode never change, so
   * its path must still name them; a file unlinked while open keeps its inode number, so no
   * other file can take it meanwhile.
   */
  #checkInPlace(): Error | null {
    let named: BigIntStats;
    try {
      named = this.#fs.statSync(this.path, BIGINT);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? new JournalDetachedError(this.path) : (error as Error);
    }
    return named.ino === this.#ino && named.dev === this.#dev ? null : new JournalDetachedError(this.path);
  }

  /** A commit is over: releases what waited for it, or stops the log for good. */
  #committed(error: Error | null, waiting: Waiting): void {
    if (error !== null) {
      this.#failure ??= error;
      waiting.reject(this.#failure);
      this.#waiting?.reject(this.#failure);
      return;
    }
    this.#busy = false;
    waiting.resolve();
    this.#flush(); // lines that arrived during the write
  }
}

const BIGINT = { bigint: true } as const;

/** Writes `data` from `from` on at the file's position, however many `write` calls the system needs, then calls `done`. */
function writeAll(fs: JournalFileSystem, fd: number, data: Buffer, from: number, done: (error: Error | null) => void): void {
  fs.write(fd, data, from, data.length - from, null, (error, written) => {
    if (error !== null) done(error);
    else if (from + written < data.length) writeAll(fs, fd, data, from + written, done);
    else done(null);
  });
}

/** Writes all of `data` at the file's position, however many `write` calls the system needs. */
export async function writeFully(fd: number, data: Buffer, fs: JournalFileSystem = nodeFileSystem): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const from = written;
    written += await settle<number>((done) => fs.write(fd, data, from, data.length - from, null, done));
  }
}
