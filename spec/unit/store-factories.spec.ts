import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journalStore, memoryStore, postgresStore, start, Status, type Wallet } from '../../lib/index.js';
import { betBody, Ids } from '../support/helpers.js';

const opened: Wallet[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const w of opened.splice(0)) await w.stop();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function engine(...options: Parameters<typeof start>): Wallet {
  const w = start(...options);
  opened.push(w);
  return w;
}

describe('a store is passed in as a factory, or named by the short options journal and database', () => {
  it('serves from memory with memoryStore(): counts free to read, no journal', async () => {
    const w = engine({ store: memoryStore({ retentionDays: 0 }), initialBalance: 1_000 });
    await w.createUsers(['alice']);
    expect(await w.bet(betBody(new Ids(), { amount: 100 }))).toMatchObject({ status: Status.OK, balance: 900 });
    expect(w.counts()).toEqual({ users: 1, transactions: 1 });
    expect(w.journal).toBeUndefined();
  });

  it('keeps the state across a restart with journalStore(directory), and shows the journal on w.journal', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-factories-'));
    directories.push(directory);
    const w = engine({ store: journalStore(directory, { snapshotEvery: 10 }) });
    await w.createUsers(['alice']);
    await w.bet(betBody(new Ids(), { amount: 100 }));
    expect(w.journal?.commits).toBeGreaterThan(0);
    await w.stop();
    const again = engine({ journal: directory });
    expect(again.journal?.recovery.records).toBeGreaterThan(0);
    expect(again.counts()).toEqual({ users: 1, transactions: 1 });
  });

  it.each([
    ['a store and a journal', { store: memoryStore(), journal: 'x' }, /store excludes journal and database/],
    ['a store and a database', { store: memoryStore(), database: 'postgres://localhost/x' }, /store excludes journal and database/],
    ['a store and an embedded setting beside it', { store: memoryStore(), retentionDays: 3 }, /give retentionDays to the store's factory/],
    ['a store that is not a factory', { store: 'memory' as never }, /store must be a store factory/],
  ])('refuses %s at start', (_, options, message) => {
    expect(() => start(options)).toThrow(message);
  });

  it.each([
    ['memoryStore', () => memoryStore({ retentionDays: -1 }), /retentionDays must be a non-negative safe integer/],
    ['journalStore', () => journalStore('', {}), /journal must be a directory path/],
    ['journalStore', () => journalStore('x', { snapshotEvery: 0 }), /snapshotEvery must be a positive safe integer/],
    ['postgresStore', () => postgresStore(''), /database must be a postgres:\/\/ URL/],
  ])('%s checks its own settings when it is made', (_, make, message) => {
    expect(make).toThrow(message);
  });
});
