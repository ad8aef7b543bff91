import { describe, expect, it } from '@jest/globals';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalCorruptError, start, Status, type Wallet } from '../../lib/index.js';
import { balanceOf, betBody, Ids } from '../support/helpers.js';
import { journalDirectory } from '../support/journal-directory.js';

const data = journalDirectory('faults');
const { restart } = data;
const durable = (snapshotEvery?: number): Wallet => data.open(snapshotEvery === undefined ? {} : { snapshotEvery });

/** Sends bets of 1 for alice one at a time and returns their statuses. */
async function bets(w: Wallet, ids: Ids, count: number): Promise<string[]> {
  const statuses: string[] = [];
  for (let i = 0; i < count; i += 1) statuses.push((await w.bet(betBody(ids, { amount: 1 }))).status);
  return statuses;
}

describe('a data directory removed while serving stops the engine like a failed write', () => {
  it('answers RS_ERROR_UNKNOWN to the requests waiting and to every later one', async () => {
    const ids = new Ids();
    const w = durable();
    await w.createUsers(['alice']);
    expect((await w.bet(betBody(ids))).status).toBe(Status.OK);
    rmSync(data.path, { recursive: true, force: true });
    const waiting = await Promise.all([w.bet(betBody(ids)), w.balance({ user: 'alice', request_uuid: '' })]);
    expect(waiting.map((response) => response.status)).toEqual([Status.UNKNOWN, Status.UNKNOWN]);
    mkdirSync(data.path);
    expect((await w.bet(betBody(ids))).status).toBe(Status.UNKNOWN);
    await expect(w.journal?.snapshot()).rejects.toThrow(/failed journal write/);
  });

  it('answers RS_ERROR_UNKNOWN once the journal file was replaced under it', async () => {
    const ids = new Ids();
    const w = durable();
    await w.createUsers(['alice']);
    const journal = join(data.path, 'journal-000000.log');
    rmSync(journal);
    writeFileSync(journal, '');
    expect((await w.bet(betBody(ids))).status).toBe(Status.UNKNOWN);
    expect((await w.bet(betBody(ids))).status).toBe(Status.UNKNOWN);
  });
});

describe('a failed snapshot fails no request, and is tried again later', () => {
  it('journals on in the current file when the next journal cannot be opened', async () => {
    const ids = new Ids();
    const w = durable(3);
    await w.createUsers(['alice']);
    // A directory where the next journal goes: opening it fails (EISDIR), even for root.
    const obstacle = join(data.path, 'journal-000001.log');
    mkdirSync(obstacle);
    const logs = (): string[] => readdirSync(data.path).filter((file) => file.endsWith('.log') && file !== 'journal-000001.log').sort();
    // Records 2 to 6: the snapshots due at the 3rd and the 6th fail, the requests do not.
    expect(await bets(w, ids, 5)).toEqual(Array(5).fill(Status.OK));
    expect(w.journal?.snapshotError?.message).toMatch(/EISDIR/);
    await expect(w.journal?.snapshot()).rejects.toThrow(/EISDIR/);
    rmSync(obstacle, { recursive: true });
    // Not tried again at every record: the next try is 3 records after the last, at the 9th.
    expect(await bets(w, ids, 2)).toEqual([Status.OK, Status.OK]);
    expect(readdirSync(data.path).filter((file) => file.endsWith('.log'))).toEqual(['journal-000000.log']);
    expect(await bets(w, ids, 1)).toEqual([Status.OK]);
    const again = await restart(w);
    expect(w.journal?.snapshotError).toBeUndefined();
    expect(again.journal?.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(logs()).toEqual(['snapshot-000001.log']);
    expect(again.transactionCount).toBe(8);
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 99_992 });
  });

  it('keeps every journal when a snapshot fails half way, and recovers from them', async () => {
    const ids = new Ids();
    const w = durable(3);
    // The new journal opens, then the snapshot file cannot be written (EISDIR).
    mkdirSync(join(data.path, 'snapshot-000001.log.tmp'));
    await w.createUsers(['alice']);
    // The 3rd record starts the snapshot; the 4th goes to the new journal.
    expect(await bets(w, ids, 3)).toEqual([Status.OK, Status.OK, Status.OK]);
    const again = await restart(w); // the stop waits for the snapshot under way
    expect(w.journal?.snapshotError?.message).toMatch(/EISDIR/);
    expect(again.journal?.recovery).toMatchObject({ snapshot: undefined, records: 4 });
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 99_997 });
    // The next snapshot succeeds and removes every older generation.
    await again.journal?.snapshot();
    expect(readdirSync(data.path).filter((file) => file.endsWith('.log')).sort()).toEqual(['journal-000002.log', 'snapshot-000002.log']);
  });

  it('rejects a snapshot asked for after a disk failure, with an error the caller can catch', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    rmSync(data.path, { recursive: true, force: true });
    await expect(w.journal?.snapshot()).rejects.toThrow();
    expect((await w.bet(betBody(new Ids()))).status).toBe(Status.UNKNOWN);
  });
});

describe('a crash right after a snapshot began loses nothing acknowledged', () => {
  it('cuts a torn tail of the journal that only an empty new journal follows', async () => {
    const ids = new Ids();
    const w = durable();
    await w.createUsers(['alice']);
    await bets(w, ids, 2);
    await data.shutDown(w);
    appendFileSync(join(data.path, 'journal-000000.log'), '1234abcd {"type":"command","user":"al');
    writeFileSync(join(data.path, 'journal-000001.log'), '');
    const again = durable();
    expect(again.journal?.recovery?.truncatedBytes).toBe(37);
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 99_998 });
  });
});

describe('a directory or other entry in place of a journal or snapshot file refuses the start with JournalCorruptError naming it', () => {
  it.each(['journal-000000.log', 'journal-000003.log', 'snapshot-000002.log'])('refuses a directory named %s', async (file) => {
    const ids = new Ids();
    const w = durable();
    await w.createUsers(['alice']);
    await w.bet(betBody(ids));
    await data.shutDown(w);
    const path = join(data.path, file);
    const held = existsSync(path);
    if (held) renameSync(path, `${path}.aside`);
    mkdirSync(path);
    let thrown: unknown;
    try {
      durable();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JournalCorruptError);
    expect((thrown as Error).message).toBe(`${path}: a directory stands where a journal or snapshot file belongs; refusing to start rather than serve wrong balances`);
    // Nothing was removed, and the data directory is free again: with the file back, it starts.
    rmSync(path, { recursive: true });
    if (held) renameSync(`${path}.aside`, path);
    expect(await balanceOf(durable())).toBe(100_000 - 100);
  });

  it('reads a journal that is a link to a regular file', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    await w.bet(betBody(new Ids(), { amount: 100 }));
    await data.shutDown(w);
    const path = join(data.path, 'journal-000000.log');
    mkdirSync(join(data.path, 'elsewhere'));
    renameSync(path, join(data.path, 'elsewhere', 'journal.log'));
    symlinkSync(join(data.path, 'elsewhere', 'journal.log'), path);
    expect(await balanceOf(durable())).toBe(100_000 - 100);
  });

  it('refuses a link that points nowhere', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    await data.shutDown(w);
    const path = join(data.path, 'journal-000001.log');
    symlinkSync(join(data.path, 'missing'), path);
    expect(() => durable()).toThrow(JournalCorruptError);
    expect(() => durable()).toThrow(`${path}: no regular file stands where a journal or snapshot file belongs; refusing to start rather than serve wrong balances`);
  });
});

describe('journal, snapshot and lock files are readable by their owner only, and a data directory the engine makes too', () => {
  const mode = (path: string): number => statSync(path).mode & 0o777;

  it('creates the directory 0700 and every file in it 0600, whatever the umask', async () => {
    const previous = process.umask(0o002);
    try {
      const nested = join(data.path, 'state', 'wallet');
      const w = start({ journal: nested, snapshotEvery: 2 });
      await w.createUsers(['alice']);
      const ids = new Ids();
      await bets(w, ids, 3); // a snapshot and a second journal
      await w.journal?.snapshot();
      const files = readdirSync(nested);
      expect(files.filter((file) => /^(journal|snapshot)-\d+\.log$|^exwallet\.lock$/.test(file)).map((file) => file.slice(0, 4)).sort()).toEqual(['exwa', 'jour', 'snap']);
      for (const file of readdirSync(nested)) expect([file, mode(join(nested, file))]).toEqual([file, 0o600]);
      expect(mode(nested)).toBe(0o700);
      expect(mode(join(data.path, 'state'))).toBe(0o700);
      await w.stop();
    } finally {
      process.umask(previous);
    }
  });

  it("leaves an existing directory's mode as the operator set it", async () => {
    chmodSync(data.path, 0o750);
    const w = durable();
    await w.createUsers(['alice']);
    await w.stop();
    expect(mode(data.path)).toBe(0o750);
    for (const file of readdirSync(data.path)) expect([file, mode(join(data.path, file))]).toEqual([file, 0o600]);
  });
});
