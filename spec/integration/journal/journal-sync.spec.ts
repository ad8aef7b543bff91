import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, fstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Status } from '../../../lib/index.js';
import { nodeFileSystem, type JournalFileSystem } from '../../../lib/journal/append-log.js';
import { MemoryStore } from '../../../lib/memory-store.js';
import { Supervisor } from '../../../lib/supervisor.js';
import { betBody, Ids, winBody, type WalletResponse } from '../../support/helpers.js';

/** What the journal's file system did, and when an answer left, in the order it happened. */
type Event =
  | { readonly kind: 'write'; readonly fd: number; readonly text: string }
  | { readonly kind: 'synced'; readonly fd: number }
  | { readonly kind: 'answer'; readonly response: WalletResponse }
  // A directory synced, and the journals and snapshots in it as the sync completed.
  | { readonly kind: 'directory synced'; readonly path: string; readonly files: readonly string[] };

/**
 * `node:fs` for the journal, recording each write and each `fdatasync` as it completes. The
 * checks that the file is still in place (`fstat`, `stat`) answer at once, in the same turn,
 * while an `fdatasync` completes in a later one, as the disk makes it: an engine that went on
 * without waiting for the sync would answer before the sync is recorded, every time. After
 * `failSyncs()`, every sync fails with EIO, a directory's too.
 */
function recordingFs(): { fs: JournalFileSystem; events: Event[]; failSyncs(): void } {
  const events: Event[] = [];
  let failing = false;
  /** Runs `read` now and hands its outcome to `callback` once the current step is over. */
  const atOnce = <T>(read: () => T, callback: (error: NodeJS.ErrnoException | null, result: T) => void): void => {
    let outcome: { error: NodeJS.ErrnoException | null; result: T };
    try {
      outcome = { error: null, result: read() };
    } catch (error) {
      outcome = { error: error as NodeJS.ErrnoException, result: undefined as T };
    }
    queueMicrotask(() => callback(outcome.error, outcome.result));
  };
  const fs: JournalFileSystem = {
    ...nodeFileSystem,
    write(fd, buffer, offset, length, position, callback) {
      nodeFileSystem.write(fd, buffer, offset, length, position, (error, written) => {
        if (error === null) events.push({ kind: 'write', fd, text: buffer.toString('utf8', offset, offset + written) });
        callback(error, written);
      });
    },
    fstat: (fd, options, callback) => atOnce(() => fstatSync(fd, options), callback),
    stat: (path, options, callback) => atOnce(() => statSync(path, options), callback),
    fdatasync(fd, callback) {
      nodeFileSystem.fdatasync(fd, (error) => {
        if (failing) return callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
        if (error === null) events.push({ kind: 'synced', fd });
        callback(error);
      });
    },
    syncDirectory(path, callback) {
      nodeFileSystem.syncDirectory?.(path, (error) => {
        if (failing) return callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
        if (error === null) events.push({ kind: 'directory synced', path, files: logs() });
        callback(error);
      });
    },
  };
  return {
    fs,
    events,
    failSyncs() {
      failing = true;
    },
  };
}

let directory = '';
let engines: Supervisor[] = [];
/** The journals and snapshots in the directory. */
const logs = (): string[] => readdirSync(directory).filter((file) => file.endsWith('.log')).sort();
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exwallet-sync-'));
});
afterEach(async () => {
  for (const engine of engines) await engine.stop();
  engines = [];
  rmSync(directory, { recursive: true, force: true });
});

/** An engine journaling through `fs`, with alice, its answers recorded in `events` as they leave. */
async function engine(fs: JournalFileSystem, events: Event[]): Promise<(operation: 'bet' | 'win' | 'balance', body: object) => Promise<WalletResponse>> {
  const settings = { currency: 'USD', initialBalance: 100_000 };
  const supervisor = new Supervisor(new MemoryStore('USD', { directory, snapshotEvery: 1_000_000, ...settings, fs }), settings);
  engines.push(supervisor);
  await supervisor.createUsers(['alice']);
  return (operation, body) =>
    supervisor.handle(operation, body).then((response) => {
      events.push({ kind: 'answer', response });
      return response;
    });
}

/** Where in `events` the line of `transactionUuid` was written, the sync of that file after it, and its answer. */
function commitOf(events: readonly Event[], transactionUuid: string, requestUuid: string): { written: number; synced: number; answered: number } {
  const written = events.findIndex((event) => event.kind === 'write' && event.text.includes(transactionUuid));
  const write = events[written];
  const fd = write?.kind === 'write' ? write.fd : Number.NaN;
  const synced = events.findIndex((event, i) => i > written && event.kind === 'synced' && event.fd === fd);
  const answered = events.findIndex((event) => event.kind === 'answer' && event.response.request_uuid === requestUuid);
  return { written, synced, answered };
}

describe('every commit is synced to disk before any of its answers leaves', () => {
  it('answers a bet only after the fdatasync of the write holding it', async () => {
    const { fs, events } = recordingFs();
    const send = await engine(fs, events);
    const ids = new Ids();
    const bet = betBody(ids);
    expect((await send('bet', bet)).status).toBe(Status.OK);
    const { written, synced, answered } = commitOf(events, bet.transaction_uuid, bet.request_uuid);
    expect(written).toBeGreaterThanOrEqual(0);
    expect(synced).toBeGreaterThan(written);
    expect(answered).toBeGreaterThan(synced);
  });

  it('holds every answer of a group commit, a replay and a balance included, until its sync', async () => {
    const { fs, events } = recordingFs();
    const send = await engine(fs, events);
    const ids = new Ids();
    const first = betBody(ids, { amount: 10 });
    await send('bet', first);
    const before = events.length;
    const bets = Array.from({ length: 20 }, () => betBody(ids, { amount: 1 }));
    const win = winBody(ids, first.transaction_uuid, { amount: 5 });
    const answers = await Promise.all([...bets.map((bet) => send('bet', bet)), send('win', win), send('bet', bets[0] as object), send('balance', { user: 'alice', request_uuid: ids.next() })]);
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 23 }, () => Status.OK));
    // One turn, one commit: the write holding the win, then its sync, then all 23 answers.
    const { written, synced } = commitOf(events, win.transaction_uuid, win.request_uuid);
    expect(written).toBeGreaterThanOrEqual(before);
    expect(synced).toBeGreaterThan(written);
    for (const bet of bets) expect(commitOf(events, bet.transaction_uuid, bet.request_uuid).written).toBe(written);
    const answered = events.flatMap((event, i) => (i > before && event.kind === 'answer' ? [i] : []));
    expect(answered).toHaveLength(23);
    expect(Math.min(...answered)).toBeGreaterThan(synced);
  });
});

describe('an fdatasync that fails is a failed write: nothing of its commit is acknowledged', () => {
  it('answers the bet waiting for it RS_ERROR_UNKNOWN without a balance, and every later request RS_ERROR_UNKNOWN', async () => {
    const recorder = recordingFs();
    const send = await engine(recorder.fs, recorder.events);
    recorder.failSyncs();
    const ids = new Ids();
    const bet = betBody(ids);
    expect(await send('bet', bet)).toEqual({ user: 'alice', status: Status.UNKNOWN, request_uuid: bet.request_uuid });
    expect((await send('bet', betBody(ids))).status).toBe(Status.UNKNOWN);
    expect((await send('balance', { user: 'alice', request_uuid: ids.next() })).status).toBe(Status.UNKNOWN);
  });
});

describe('a journal whose directory cannot be synced acknowledges nothing', () => {
  it("answers RS_ERROR_UNKNOWN from the first write on when the new journal's directory sync fails", async () => {
    const settings = { currency: 'USD', initialBalance: 100_000 };
    const fs: JournalFileSystem = { ...nodeFileSystem, syncDirectory: (_, callback) => callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })) };
    const supervisor = new Supervisor(new MemoryStore('USD', { directory, snapshotEvery: 1_000_000, ...settings, fs }), settings);
    engines.push(supervisor);
    await supervisor.createUsers(['alice']); // settles once its write has failed
    const ids = new Ids();
    expect((await supervisor.handle('bet', betBody(ids))).status).toBe(Status.UNKNOWN);
    expect((await supervisor.handle('balance', { user: 'alice', request_uuid: ids.next() })).status).toBe(Status.UNKNOWN);
  });
});

describe('a snapshot is on disk before the files it replaces are removed', () => {
  /** A journaling store over `fs` with alice and a bet, then its snapshot. */
  async function snapshotted(fs: JournalFileSystem): Promise<void> {
    const settings = { currency: 'USD', initialBalance: 100_000 };
    const store = new MemoryStore('USD', { directory, snapshotEvery: 1_000_000, ...settings, fs });
    const supervisor = new Supervisor(store, settings);
    engines.push(supervisor);
    await supervisor.createUsers(['alice']);
    await supervisor.handle('bet', betBody(new Ids()));
    return store.durability?.snapshot();
  }

  it("writes nothing to a new journal before its directory is synced, at start and at a snapshot's new generation", async () => {
    const { fs, events } = recordingFs();
    await snapshotted(fs);
    const directorySynced = (file: string): number => events.findIndex((event) => event.kind === 'directory synced' && event.files.includes(file));
    const headers = events.flatMap((event, i) => (event.kind === 'write' && event.text.includes('"type":"settings"') ? [i] : []));
    expect(headers).toHaveLength(2);
    expect(directorySynced('journal-000000.log')).toBeGreaterThanOrEqual(0);
    expect(directorySynced('journal-000000.log')).toBeLessThan(headers[0] as number);
    expect(directorySynced('journal-000001.log')).toBeGreaterThan(headers[0] as number);
    expect(directorySynced('journal-000001.log')).toBeLessThan(headers[1] as number);
  });

  it('syncs the directory once the snapshot is renamed into place, while the older journal is still there, and removes it after', async () => {
    const { fs, events } = recordingFs();
    await snapshotted(fs);
    const installed = events.find((event) => event.kind === 'directory synced' && event.files.includes('snapshot-000001.log'));
    expect(installed).toEqual({ kind: 'directory synced', path: directory, files: ['journal-000000.log', 'journal-000001.log', 'snapshot-000001.log'] });
    expect(logs()).toEqual(['journal-000001.log', 'snapshot-000001.log']);
  });

  it('fails the snapshot when the directory cannot be synced after the rename, and keeps every older file', async () => {
    const snapshot = snapshotted({
      ...nodeFileSystem,
      syncDirectory(path, callback) {
        if (!existsSync(join(path, 'snapshot-000001.log'))) return nodeFileSystem.syncDirectory?.(path, callback);
        callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      },
    });
    await expect(snapshot).rejects.toThrow(/EIO/);
    expect(logs()).toEqual(['journal-000000.log', 'journal-000001.log', 'snapshot-000001.log']);
  });

  it('syncs the directory itself for a file system written before it had syncDirectory', async () => {
    const { syncDirectory, ...earlier } = nodeFileSystem;
    expect(syncDirectory).toBeDefined();
    await snapshotted(earlier);
    expect(logs()).toEqual(['journal-000001.log', 'snapshot-000001.log']);
    expect(existsSync(join(directory, 'snapshot-000001.log.tmp'))).toBe(false);
  });
});
