import { describe, expect, it } from '@jest/globals';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalCorruptError, JournalSettingsError, start } from '../../../lib/index.js';
import { decodeRecord, encodeRecord } from '../../../lib/journal/format.js';
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

describe('start-up continues the newest generation, reading the journals in the order of their numbers', () => {
  it("continues the newest snapshot's generation when its journal never reached the disk, and removes the journal before it", async () => {
    const ids = new Ids();
    await snapshotted(ids);
    const before = readFileSync(join(data.path, 'journal-000001.log'));
    const w = data.open();
    await w.journal?.snapshot();
    await data.shutDown(w);
    expect(logs()).toEqual(['journal-000002.log', 'snapshot-000002.log']);
    // A crash right after the rename: the journal before the snapshot is still there, the new one is not.
    rmSync(join(data.path, 'journal-000002.log'));
    writeFileSync(join(data.path, 'journal-000001.log'), before);
    const again = data.open();
    expect(await balanceOf(again)).toBe(99_890);
    await again.bet(betBody(ids, { amount: 5 }));
    await data.shutDown(again);
    expect(logs()).toEqual(['journal-000002.log', 'snapshot-000002.log']);
    expect(await balanceOf(data.open())).toBe(99_885);
  });

  it('reads journals numbered past six digits in the order of their numbers, and continues the highest', async () => {
    const ids = new Ids();
    // Two snapshots that cannot be written (EISDIR): journals 0, 1 and 2 all stay.
    const blocked = [1, 2].map((generation) => join(data.path, `snapshot-00000${generation}.log.tmp`));
    for (const path of blocked) mkdirSync(path);
    const w = data.open();
    await w.createUsers(['alice']);
    await w.bet(betBody(ids, { amount: 100 }));
    await expect(w.journal?.snapshot()).rejects.toThrow(/EISDIR/);
    await w.bet(betBody(ids, { amount: 10 }));
    await expect(w.journal?.snapshot()).rejects.toThrow(/EISDIR/);
    await w.bet(betBody(ids, { amount: 1 }));
    await data.shutDown(w);
    for (const path of blocked) rmdirSync(path);
    const numbered = ['journal-999999.log', 'journal-1000000.log', 'journal-1000001.log'];
    for (const [generation, file] of numbered.entries()) renameSync(join(data.path, `journal-00000${generation}.log`), join(data.path, file));
    const held = numbered.map((file) => readFileSync(join(data.path, file)));

    const again = data.open();
    expect(again.journal?.recovery?.records).toBe(4);
    expect(await balanceOf(again)).toBe(99_889);
    await again.bet(betBody(ids, { amount: 5 }));
    await data.shutDown(again);
    const now = numbered.map((file) => readFileSync(join(data.path, file)));
    expect(now.slice(0, 2)).toEqual(held.slice(0, 2));
    expect((now[2] as Buffer).subarray(0, (held[2] as Buffer).length)).toEqual(held[2]);
    expect((now[2] as Buffer).length).toBeGreaterThan((held[2] as Buffer).length);
    expect(await balanceOf(data.open())).toBe(99_884);
  });

  it('reports how long recovery took, within the time start took', async () => {
    await snapshotted(new Ids());
    const started = performance.now();
    const w = data.open();
    const took = (performance.now() - started) / 1000;
    expect(w.journal?.recovery?.seconds).toBeGreaterThan(0);
    expect(w.journal?.recovery?.seconds).toBeLessThanOrEqual(took);
  });
});

describe('recovery and snapshots close every file they open', () => {
  /** The files this process has open (Linux). */
  const openFiles = (): number => readdirSync('/proc/self/fd').length;

  it('leaves no file open once an engine that cut a torn tail and took a snapshot has stopped', async () => {
    const ids = new Ids();
    await snapshotted(ids);
    appendFileSync(join(data.path, 'journal-000001.log'), '1234abcd {"type":"command","user":"al');
    const before = openFiles();
    const w = data.open();
    expect(w.journal?.recovery?.truncatedBytes).toBeGreaterThan(0);
    await w.journal?.snapshot();
    await data.shutDown(w);
    expect(logs()).toEqual(['journal-000002.log', 'snapshot-000002.log']);
    expect(openFiles()).toBe(before);
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

  it("refuses a snapshot written with other settings, though the journal after it has the engine's", async () => {
    await snapshotted(new Ids());
    const [head, ...rest] = lines();
    const settings = decodeRecord(Buffer.from(`${head}\n`), 0, (head as string).length);
    expect(settings).toMatchObject({ type: 'settings', currency: 'USD' });
    writeFileSync(snapshot(), `${encodeRecord({ ...settings, currency: 'EUR' } as Parameters<typeof encodeRecord>[0])}${rest.join('\n')}\n`);
    expect(() => start({ journal: data.path })).toThrow(JournalSettingsError);
  });

  it('refuses a snapshot with a record after its end record', async () => {
    await snapshotted(new Ids());
    const all = lines();
    writeFileSync(snapshot(), `${[...all, all[1]].join('\n')}\n`);
    expect(() => start({ journal: data.path })).toThrow(/snapshot-000001\.log, line \d+: the snapshot is incomplete/);
  });
});
