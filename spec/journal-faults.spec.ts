import { describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Status, type Wallet } from '../lib/index.js';
import { betBody, Ids } from './helpers.js';
import { journalDirectory } from './support/journal-directory.js';

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
    await expect(w.snapshot()).rejects.toThrow(/failed journal write/);
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
    expect(w.snapshotError?.message).toMatch(/EISDIR/);
    await expect(w.snapshot()).rejects.toThrow(/EISDIR/);
    rmSync(obstacle, { recursive: true });
    // Not tried again at every record: the next try is 3 records after the last, at the 9th.
    expect(await bets(w, ids, 2)).toEqual([Status.OK, Status.OK]);
    expect(readdirSync(data.path).filter((file) => file.endsWith('.log'))).toEqual(['journal-000000.log']);
    expect(await bets(w, ids, 1)).toEqual([Status.OK]);
    const again = await restart(w);
    expect(w.snapshotError).toBeUndefined();
    expect(again.recovery?.snapshot).toBe('snapshot-000001.log');
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
    expect(w.snapshotError?.message).toMatch(/EISDIR/);
    expect(again.recovery).toMatchObject({ snapshot: undefined, records: 4 });
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 99_997 });
    // The next snapshot succeeds and removes every older generation.
    await again.snapshot();
    expect(readdirSync(data.path).filter((file) => file.endsWith('.log')).sort()).toEqual(['journal-000002.log', 'snapshot-000002.log']);
  });

  it('rejects a snapshot asked for after a disk failure, with an error the caller can catch', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    rmSync(data.path, { recursive: true, force: true });
    await expect(w.snapshot()).rejects.toThrow();
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
    expect(again.recovery?.truncatedBytes).toBe(37);
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 99_998 });
  });
});
