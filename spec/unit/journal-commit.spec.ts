import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendLog, JournalDetachedError, nodeFileSystem, type JournalFileSystem } from '../../lib/journal/append-log.js';

/**
 * The commit path of the append log, watched call by call: `fdatasync` callbacks are held until
 * the test lets them go, so that what the log does before a sync completes can be seen.
 */
function heldSyncs(): { fs: JournalFileSystem; calls: string[]; pending: Array<(error: NodeJS.ErrnoException | null) => void>; release(error?: NodeJS.ErrnoException): void } {
  const calls: string[] = [];
  const pending: Array<(error: NodeJS.ErrnoException | null) => void> = [];
  const fs: JournalFileSystem = {
    ...nodeFileSystem,
    write(fd, buffer, offset, length, position, callback) {
      calls.push(`write ${buffer.toString('utf8', offset, offset + length).trim()}`);
      nodeFileSystem.write(fd, buffer, offset, length, position, callback);
    },
    fdatasync(fd, callback) {
      calls.push('fdatasync');
      nodeFileSystem.fdatasync(fd, (error) => {
        calls.push('synced');
        pending.push(callback);
        void error;
      });
    },
    statSync(path, options) {
      calls.push('stat');
      return nodeFileSystem.statSync(path, options);
    },
  };
  return {
    fs,
    calls,
    pending,
    release(error) {
      for (const callback of pending.splice(0)) callback(error ?? null);
    },
  };
}

/** Resolves once `predicate` holds, checking after each turn of the event loop (no timers). */
async function until(predicate: () => boolean): Promise<void> {
  for (let turns = 0; !predicate(); turns += 1) {
    if (turns > 100_000) throw new Error('never happened');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** How `promise` stands now: settled or not, after the microtasks queued so far. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let outcome: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (outcome = 'resolved'),
    () => (outcome = 'rejected'),
  );
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
  return outcome;
}

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exwallet-commit-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('a commit is durable only once its fdatasync succeeded and its file was found in place', () => {
  it('checks the file beside the write and settles nothing until the fdatasync returns', async () => {
    const held = heldSyncs();
    const log = new AppendLog(join(directory, 'j.log'), undefined, undefined, held.fs);
    log.append('one\n');
    const durable = log.durable();
    await until(() => held.pending.length === 1);
    // Written and checked in place; the data is on disk, but the sync has not answered yet.
    expect(held.calls).toEqual(['write one', 'stat', 'fdatasync', 'synced']);
    expect(await state(durable)).toBe('pending');
    expect(log.commits).toBe(0);
    held.release();
    await durable;
    expect(log.commits).toBe(1);
    await log.close();
  });

  it('fails the commit of a file removed before it, even though the write and the sync succeed', async () => {
    const held = heldSyncs();
    const path = join(directory, 'j.log');
    const log = new AppendLog(path, undefined, undefined, held.fs);
    log.append('one\n');
    const first = log.durable();
    await until(() => held.pending.length === 1);
    held.release();
    await first;
    unlinkSync(path);
    log.append('two\n');
    const durable = log.durable();
    await until(() => held.pending.length === 1);
    expect(await state(durable)).toBe('pending');
    held.release();
    await expect(durable).rejects.toBeInstanceOf(JournalDetachedError);
    // The log is stopped for good: nothing later is called durable.
    log.append('three\n');
    await expect(log.durable()).rejects.toBeInstanceOf(JournalDetachedError);
    expect(log.failure).toBeInstanceOf(JournalDetachedError);
    await log.close().catch(() => {});
  });

  it('fails the commit of a file replaced under its path by another', async () => {
    const held = heldSyncs();
    const path = join(directory, 'j.log');
    const log = new AppendLog(path, undefined, undefined, held.fs);
    writeFileSync(join(directory, 'other.log'), 'another file\n');
    renameSync(join(directory, 'other.log'), path);
    log.append('one\n');
    const durable = log.durable();
    await until(() => held.pending.length === 1);
    held.release();
    await expect(durable).rejects.toBeInstanceOf(JournalDetachedError);
    expect(readFileSync(path, 'utf8')).toBe('another file\n');
    await log.close().catch(() => {});
  });

  it('fails the commit whose fdatasync fails though the file is in place, and every commit after it', async () => {
    const held = heldSyncs();
    const log = new AppendLog(join(directory, 'j.log'), undefined, undefined, held.fs);
    log.append('one\n');
    const durable = log.durable();
    await until(() => held.pending.length === 1);
    log.append('two\n'); // waits for the commit under way
    const next = log.durable();
    held.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(durable).rejects.toThrow('EIO');
    await expect(next).rejects.toThrow('EIO');
    expect(log.commits).toBe(0);
    expect(held.calls.filter((call) => call.startsWith('write'))).toEqual(['write one']);
    await log.close().catch(() => {});
  });

  it('fails a commit whose in-place check cannot be made, with the error of the stat', async () => {
    const held = heldSyncs();
    const denied = Object.assign(new Error('EACCES: permission denied, stat'), { code: 'EACCES' });
    const fs: JournalFileSystem = {
      ...held.fs,
      statSync() {
        throw denied;
      },
    };
    const log = new AppendLog(join(directory, 'j.log'), undefined, undefined, fs);
    log.append('one\n');
    const durable = log.durable();
    await until(() => held.pending.length === 1);
    held.release();
    await expect(durable).rejects.toBe(denied);
    await log.close().catch(() => {});
  });

  it('writes the lines appended during a commit in the next one, after the first is synced', async () => {
    const held = heldSyncs();
    const log = new AppendLog(join(directory, 'j.log'), undefined, undefined, held.fs);
    log.append('one\n');
    const first = log.durable();
    await until(() => held.pending.length === 1);
    log.append('two\n');
    log.append('three\n');
    const second = log.durable();
    await Promise.resolve();
    expect(held.calls.filter((call) => call.startsWith('write'))).toEqual(['write one']);
    held.release();
    await first;
    expect(await state(second)).toBe('pending');
    await until(() => held.pending.length === 1);
    expect(held.calls.filter((call) => call.startsWith('write'))).toEqual(['write one', 'write two\nthree']);
    held.release();
    await second;
    expect(log.commits).toBe(2);
    await log.close();
    expect(readFileSync(join(directory, 'j.log'), 'utf8')).toBe('one\ntwo\nthree\n');
  });
});
