/**
 * `exwallet reconcile --file FILE` as a real process, with the service's store flags: a journal
 * directory and a PostgreSQL database. Exit 0 when everything matches, 1 when anything differs,
 * 2 for bad usage; the result as JSON on standard output.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from '../../../lib/index.js';
import { freshDatabase, type FreshDatabase } from '../../../test-support/postgres.js';

const work = mkdtempSync(join(tmpdir(), 'exwallet-reconcile-'));
const databases: FreshDatabase[] = [];
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await Promise.all(databases.map((db) => db.drop()));
});

const IDS = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000c'];

/** Three bets of alice (10, 11, 12) in the store `options` name. */
async function fill(options: Parameters<typeof start>[0]): Promise<void> {
  const w = start(options);
  await w.createUsers(['alice']);
  for (const [i, id] of IDS.entries()) await w.bet({ user: 'alice', transaction_uuid: id, request_uuid: id, currency: 'USD', amount: 10 + i });
  await w.stop();
}

function file(name: string, lines: string[]): string {
  const path = join(work, name);
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return path;
}

function reconcile(args: string[]): { status: number | null; result: unknown; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'lib/bin.ts', 'reconcile', ...args], { encoding: 'utf8', timeout: 60_000 });
  let result: unknown;
  try {
    result = JSON.parse(run.stdout);
  } catch {
    result = run.stdout;
  }
  return { status: run.status, result, stderr: run.stderr };
}

const HEADER = 'transaction_uuid,kind,user,amount,currency';
const MATCHING = [HEADER, ...IDS.map((id, i) => `${id},bet,alice,${10 + i},USD`)];
const DIFFERING = [HEADER, `${IDS[0]},bet,alice,10,USD`, `${IDS[1]},bet,alice,99,USD`, '00000000-0000-4000-8000-0000000000ff,win,alice,1,USD'];
const DIFFERENCES = {
  matched: 1,
  missing_in_wallet: ['00000000-0000-4000-8000-0000000000ff'],
  missing_in_file: [IDS[2]],
  mismatched: [{ transaction_uuid: IDS[1], differences: [{ field: 'amount', wallet: 11, file: '99' }] }],
};

describe('exwallet reconcile compares a journal with a file', () => {
  it('exits 0 when every record matches, 1 listing exactly the differences otherwise, 2 without --file', async () => {
    const dir = join(work, 'journal');
    await fill({ journal: dir });
    const same = reconcile(['--file', file('same.csv', MATCHING), '--data-dir', dir]);
    expect(same).toMatchObject({ status: 0, result: { matched: 3, missing_in_wallet: [], missing_in_file: [], mismatched: [] } });
    const differing = reconcile(['--file', file('differing.csv', DIFFERING), '--data-dir', dir]);
    expect(differing.status).toBe(1);
    expect(differing.result).toEqual(DIFFERENCES);
    const usage = reconcile(['--data-dir', dir]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--file');
    expect(reconcile(['--file', file('bad.csv', ['transaction_uuid,kind', 'x,bet']), '--data-dir', dir]).status).toBe(1);
  }, 120_000);
});

describe('exwallet reconcile compares a PostgreSQL database with a file', () => {
  it('reads the store through --database-url like the service', async () => {
    const db = await freshDatabase();
    databases.push(db);
    await fill({ database: { url: db.url } });
    const differing = reconcile(['--file', file('pg.csv', DIFFERING), '--database-url', db.url]);
    expect(differing.status).toBe(1);
    expect(differing.result).toEqual(DIFFERENCES);
  }, 120_000);
});
