import { closeSync, fstatSync, linkSync, openSync, readFileSync, readSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file in a data directory: `{"pid":…,"process":…}` of the process that holds it. */
export const LOCK_FILE = 'exwallet.lock';

/**
 * Lock files held by engines of this process. A lock file naming this process's pid is held
 * only if it is here: otherwise an earlier process with the same pid left it (a container's
 * pid 1 restarting, say).
 */
const heldHere = new Set<string>();

/** Another engine, in this process or another, serves the directory. */
export class JournalLockedError extends Error {
  /** The pid of the process that holds the directory. */
  readonly pid: number;

  constructor(directory: string, pid: number) {
    const who = pid === process.pid ? `another engine of this process (pid ${pid})` : `process ${pid}`;
    super(`${directory} is in use by ${who}: two engines on one journal would destroy each other's files; stop it first`);
    this.name = 'JournalLockedError';
    this.pid = pid;
  }
}

interface Holder {
  readonly pid: number;
  /** Boot id and start time of the holder process, where `/proc` tells them. */
  readonly process: string | undefined;
  /** The lock file's inode: which lock file this holder was read from. */
  readonly ino: bigint;
}

/**
 * Exclusive hold on a data directory, by a lock file created atomically (written whole, then
 * hard-linked into place, which fails if the name exists). A lock whose holder is no longer
 * running is stale and taken over at once; the takeover of one stale file is itself guarded by
 * an exclusive claim file, so two starters racing for it cannot both win.
 */
export class DirectoryLock {
  readonly path: string;
  readonly #ino: bigint;
  #released = false;

  private constructor(path: string, ino: bigint) {
    this.path = path;
    this.#ino = ino;
  }

  /** Takes the directory (which must exist); throws {@link JournalLockedError} if it is held. */
  static acquire(directory: string): DirectoryLock {
    const path = join(realpathSync(directory), LOCK_FILE);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      if (attempt > 0) pause(attempt * 5); // another starter is taking over a stale lock right now
      if (heldHere.has(path)) throw new JournalLockedError(directory, process.pid);
      const ino = createExclusive(path);
      if (ino !== undefined) {
        heldHere.add(path);
        return new DirectoryLock(path, ino);
      }
      const holder = readHolder(path);
      if (holder === undefined) continue; // released in the meantime
      if (running(holder)) throw new JournalLockedError(directory, holder.pid);
      removeStale(path, holder.ino);
    }
    throw new Error(`${directory}: could not take ${LOCK_FILE}, it keeps changing hands`);
  }

  /** Gives the directory up; a second call does nothing. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    heldHere.delete(this.path);
    // Remove the file only if it is still ours: after the directory was removed and made
    // anew, the lock there belongs to someone else.
    if (readHolder(this.path)?.ino === this.#ino) unlinkQuietly(this.path);
  }
}

let temporaries = 0;

/** Creates `path` holding this process's identity, whole, or returns `undefined` if it exists. */
function createExclusive(path: string): bigint | undefined {
  const temporary = `${path}.${process.pid}.${temporaries++}.new`;
  writeFileSync(temporary, `${JSON.stringify({ pid: process.pid, process: identity(process.pid) })}\n`, { mode: 0o600 });
  try {
    const { ino } = statSync(temporary, { bigint: true });
    linkSync(temporary, path);
    return ino;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    unlinkQuietly(temporary);
  }
}

/** The holder named in `path`, or `undefined` if there is no such file. */
function readHolder(path: string): Holder | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino } = fstatSync(fd, { bigint: true });
    const buffer = Buffer.alloc(512);
    const text = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
    try {
      const parsed = JSON.parse(text) as { pid?: unknown; process?: unknown };
      const pid = Number.isSafeInteger(parsed.pid) && (parsed.pid as number) > 0 ? (parsed.pid as number) : 0;
      return { pid, process: typeof parsed.process === 'string' ? parsed.process : undefined, ino };
    } catch {
      return { pid: 0, process: undefined, ino }; // not written by a lock holder: nobody holds it
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the holder is still running. A file naming this process is not held (the callers
 * have checked {@link heldHere}, and the code that takes a lock runs in one go); another pid is
 * running if signal 0 reaches it, unless `/proc` shows a zombie or a process that reused the pid.
 */
function running(holder: Holder): boolean {
  if (holder.pid === 0 || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const status = procStat(holder.pid);
  if (status === undefined) return true;
  if (status.state === 'Z' || status.state === 'X') return false; // killed, not yet reaped
  return holder.process === undefined || holder.process === identity(holder.pid);
}

/** Removes the stale file `path` if it is still the file `ino`, under an exclusive claim. */
function removeStale(path: string, ino: bigint, depth = 0): void {
  const claim = `${path}.${ino}.claim`;
  if (createExclusive(claim) === undefined) {
    // Someone else is removing it, or died doing so: then their claim is stale in turn.
    const claimer = readHolder(claim);
    if (claimer !== undefined && depth < 3 && !running(claimer)) removeStale(claim, claimer.ino, depth + 1);
    return;
  }
  try {
    const current = readHolder(path);
    if (current?.ino === ino && !running(current)) unlinkQuietly(path);
  } finally {
    unlinkQuietly(claim);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or the directory with it.
  }
}

/** Boot id and start time of `pid`: unique for a process across pid reuse and reboots. */
function identity(pid: number): string | undefined {
  const started = procStat(pid)?.started;
  if (started === undefined) return undefined;
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim()}/${started}`;
  } catch {
    return undefined;
  }
}

/** State and start time (fields 3 and 22 of `/proc/PID/stat`), where the system has `/proc`. */
function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, started] = [fields[0], fields[19]];
    return state === undefined || started === undefined ? undefined : { state, started };
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Waits `milliseconds` synchronously: the lock is taken inside the synchronous `start`. */
function pause(milliseconds: number): void {
  Atomics.wait(sleeper, 0, 0, milliseconds);
}
