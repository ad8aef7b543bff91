/**
 * With a journal, the back office's history survives a restart: rebuilt from the journal's
 * command lines, and from a snapshot's entry lines (rows in a snapshot come in row order, which
 * retention's reuse of rows makes differ from time order).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Status, start, type Wallet } from '../../../lib/index.js';

const T0 = Date.UTC(2026, 6, 1, 12, 0, 0, 250);
const DAY = 86_400_000;

function uuid(tag: number, n: number): string {
  return `00000000-${tag.toString(16).padStart(4, '0')}-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

const directories: string[] = [];
const opened: Wallet[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.stop()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

let now = T0;
function open(directory: string): Wallet {
  const w = start({ journal: directory, clock: () => now, retentionDays: 1 });
  opened.push(w);
  return w;
}

async function stop(w: Wallet): Promise<void> {
  opened.splice(opened.indexOf(w), 1);
  await w.stop();
}

let serial = 0;
async function bet(w: Wallet, extra: Record<string, unknown>): Promise<string> {
  serial += 1;
  const id = uuid(1, serial);
  expect((await w.bet({ user: 'alice', transaction_uuid: id, request_uuid: uuid(2, serial), currency: 'USD', amount: 10, ...extra } as never)).status).toBe(Status.OK);
  now += 1_234;
  return id;
}

async function everything(w: Wallet): Promise<unknown> {
  return { history: await w.history('alice', { limit: 1_000 }), round: await w.round('r-1'), report: await w.dailyReport('2026-07-01') };
}

describe('with a journal, the back office answers the same after a restart', () => {
  it('rebuilds every field from the journal, to the millisecond', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-bo-'));
    directories.push(directory);
    now = T0;
    const w = open(directory);
    await w.createUsers(['alice']);
    const first = await bet(w, { round: 'r-1', game_code: 'g', is_free: true });
    serial += 1;
    await w.win({ user: 'alice', transaction_uuid: uuid(1, serial), request_uuid: uuid(2, serial), reference_transaction_uuid: first, currency: 'USD', amount: 4, round: 'r-1', round_closed: true } as never);
    const before = await everything(w);
    await stop(w);
    expect(await everything(open(directory))).toEqual(before);
  });

  it('rebuilds it from a snapshot in time order, after retention let rows be reused', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-bo-'));
    directories.push(directory);
    now = T0;
    let w = open(directory);
    await w.createUsers(['alice']);
    const old = await bet(w, { round: 'r-0' });
    serial += 1;
    await w.win({ user: 'alice', transaction_uuid: uuid(1, serial), request_uuid: uuid(2, serial), reference_transaction_uuid: old, currency: 'USD', amount: 1 });
    for (let i = 0; i < 5; i += 1) await bet(w, { round: 'r-1' });
    now += 2 * DAY;
    await bet(w, { round: 'r-1' }); // keeps the day's report non-empty on the 3rd
    expect(await w.purge()).toBe(2); // a snapshot; the two freed rows are reused next
    await bet(w, { round: 'r-1', game_code: 'late' });
    await bet(w, { round: 'r-1', round_closed: true });
    await w.journal?.snapshot();
    const before = await everything(w);
    expect((before as { history: { items: unknown[] } }).history.items).toHaveLength(8);
    await stop(w);
    w = open(directory);
    expect(await everything(w)).toEqual(before);
  });
});
