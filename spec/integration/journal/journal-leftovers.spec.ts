import { describe, expect, it } from '@jest/globals';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalCorruptError, start } from '../../../lib/index.js';
import { balanceOf, betBody, Ids } from '../../support/helpers.js';
import { journalDirectory } from '../../support/journal-directory.js';

const data = journalDirectory('leftovers');

/** The journals and snapshots in the directory. */
const logs = (): string[] => readdirSync(data.path).filter((file) => file.endsWith('.log')).sort();

/** An engine with alice, a bet of 100, a snapshot, then a bet of 10: generation 1 on disk. */
async function snapshotted(ids: Ids): Promise<void> {
  const w = data.open();
  await w.createUsers(['alice']);
  await w.bet(betBody(ids, { amount: 100 }));
  await w.journal?.snapshot();
  await w.bet(betBody(ids, { amount: 10 }));
  await data.shutDown(w);
  expect(logs()).toEqual(['journal-000001.log', 'snapshot-000001.log']);
}

describe('start-up clears what a crash during a snapshot left behind, and reads only the newest generation', () => {
  it('removes an unfinished snapshot file, but not a directory of that name', async () => {
    const ids = new Ids();
    await snapshotted(ids);
    writeFileSync(join(data.path, 'snapshot-000002.log.tmp'), 'half a snapshot');
    mkdirSync(join(data.path, 'kept.tmp'));
    const again = data.open();
    expect(await balanceOf(again)).toBe(99_890);
    expect(existsSync(join(data.path, 'snapshot-000002.log.tmp'))).toBe(false);
    expect(existsSync(join(data.path, 'kept.tmp'))).toBe(true);
  });

  it('removes the snapshots and journals older than the newest snapshot, and counts the records it read', async () => {
    const ids = new Ids();
    await snapshotted(ids);
    // What a crash during clean-up leaves: the generation before, still on disk.
    copyFileSync(join(data.path, 'snapshot-000001.log'), join(data.path, 'snapshot-000000.log'));
    copyFileSync(join(data.path, 'journal-000001.log'), join(data.path, 'journal-000000.log'));
    const again = data.open();
    expect(again.journal?.recovery).toMatchObject({ snapshot: 'snapshot-000001.log', truncatedBytes: 0 });
    // The snapshot's user and bet, then the newest journal's bet: read once each.
    expect(again.journal?.recovery?.records).toBe(3);
    expect(await balanceOf(again)).toBe(99_890);
    expect(logs()).toEqual(['journal-000001.log', 'snapshot-000001.log']);
  });

  it('refuses a torn tail in a journal that a written journal follows: only the last one written can be torn', async () => {
    const ids = new Ids();
    // The snapshot cannot be written (EISDIR): journal 0 and the new journal 1 both stay.
    mkdirSync(join(data.path, 'snapshot-000001.log.tmp'));
    const w = data.open();
    await w.createUsers(['alice']);
    await w.bet(betBody(ids, { amount: 100 }));
    await expect(w.journal?.snapshot()).rejects.toThrow(/EISDIR/);
    await w.bet(betBody(ids, { amount: 10 }));
    await data.shutDown(w);
    expect(logs()).toEqual(['journal-000000.log', 'journal-000001.log']);
    const torn = '1234abcd {"type":"command","user":"al';
    appendFileSync(join(data.path, 'journal-000000.log'), torn);
    expect(() => start({ journal: data.path })).toThrow(/journal-000000\.log, line \d+: checksum or syntax error/);
    expect(readFileSync(join(data.path, 'journal-000000.log'), 'utf8').endsWith(torn)).toBe(true);
  });
});

describe('a snapshot must be whole: start-up refuses one damaged, cut short or with lines after its end', () => {
  const snapshot = (): string => join(data.path, 'snapshot-000001.log');
  const lines = (): string[] => readFileSync(snapshot(), 'utf8').split('\n').slice(0, -1);

  it('refuses a damaged snapshot with a JournalCorruptError naming the line', async () => {
    await snapshotted(new Ids());
    writeFileSync(snapshot(), 'not a snapshot\n');
    expect(() => start({ journal: data.path })).toThrow(expect.objectContaining({ name: 'JournalCorruptError', constructor: JournalCorruptError }));
    expect(() => start({ journal: data.path })).toThrow(/snapshot-000001\.log, line 1: checksum or syntax error/);
  });

  it('refuses a snapshot cut before its end record', async () => {
    await snapshotted(new Ids());
    writeFileSync(snapshot(), `${lines().slice(0, -1).join('\n')}\n`);
    expect(() => start({ journal: data.path })).toThrow(/snapshot-000001\.log, line \d+: the snapshot has no end record/);
  });

  it('refuses a snapshot with a record after its end record', async () => {
    await snapshotted(new Ids());
    const all = lines();
    writeFileSync(snapshot(), `${[...all, all[1]].join('\n')}\n`);
    expect(() => start({ journal: data.path })).toThrow(/snapshot-000001\.log, line \d+: the snapshot is incomplete/);
  });
});
