import { describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalCorruptError, start } from '../lib/index.js';
import { balanceOf, betBody, Ids } from './helpers.js';
import { journalDirectory } from './support/journal-directory.js';

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

  it('refuses a damaged snapshot with an error named for what it is', async () => {
    await snapshotted(new Ids());
    writeFileSync(join(data.path, 'snapshot-000001.log'), 'not a snapshot\n');
    expect(() => start({ journal: data.path })).toThrow(expect.objectContaining({ name: 'JournalCorruptError', constructor: JournalCorruptError }));
  });
});
