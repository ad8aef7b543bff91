import { describe, expect, it } from '@jest/globals';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalCorruptError, start, Status, type TransactionOperation, type Wallet } from '../../../lib/index.js';
import { AppendLog } from '../../../lib/journal/append-log.js';
import { binaryEnd, BINARY_MARKER, decodeBinary } from '../../../lib/journal/binary.js';
import { decodeRecord, encodeRecord } from '../../../lib/journal/format.js';
import { betBody, Ids, rollbackBody, uuid, winBody } from '../../support/helpers.js';
import { journalDirectory } from '../../support/journal-directory.js';

const data = journalDirectory('journal');
const { shutDown, restart } = data;
const durable = (options: { snapshotEvery?: number } = {}): Wallet => data.open(options);

const journalFile = (): string => join(data.path, readdirSync(data.path).find((file) => file.startsWith('journal-')) as string);

/**
 * Rewrites the journal as a journal of format 2 holds the same records: a line each. The tests
 * that damage a journal by editing its text run on it; spec/unit/journal-binary.spec.ts damages
 * the binary records of format 3 alike.
 */
function asFormat2(): void {
  const bytes = readFileSync(journalFile());
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const end = bytes[offset] === BINARY_MARKER ? binaryEnd(bytes, offset) : bytes.indexOf(0x0a, offset) + 1;
    const record = bytes[offset] === BINARY_MARKER ? decodeBinary(bytes, offset, end) : decodeRecord(bytes, offset, end - 1);
    if (record === undefined) throw new Error(`no record at byte ${offset}`);
    lines.push(encodeRecord(record.type === 'settings' ? { ...record, format: 2 } : record));
    offset = end;
  }
  writeFileSync(journalFile(), lines.join(''));
}

/** A little of everything: a settled bet, a cancelled one, an open one, an id reserved in advance. */
async function workload(w: Wallet, ids: Ids): Promise<Array<[TransactionOperation, Record<string, unknown>, unknown]>> {
  await w.createUsers(['alice', 'bob']);
  const sent: Array<[TransactionOperation, Record<string, unknown>, unknown]> = [];
  const send = async (operation: TransactionOperation, body: Record<string, unknown>): Promise<void> => {
    sent.push([operation, body, await w.handle(operation, body)]);
  };
  const settled = betBody(ids, { amount: 300 });
  const cancelled = betBody(ids, { amount: 200, user: 'bob' });
  await send('bet', settled);
  await send('win', winBody(ids, settled.transaction_uuid as string, { amount: 1000 }));
  await send('bet', cancelled);
  await send('rollback', rollbackBody(ids, cancelled.transaction_uuid as string, { user: 'bob' }));
  await send('bet', betBody(ids, { amount: 50 }));
  await send('rollback', rollbackBody(ids, ids.next()));
  return sent;
}

describe('a restarted engine rebuilds balances, bets and the registry from its journal', () => {
  it('replays every acknowledged response byte for byte and keeps every rule', async () => {
    const ids = new Ids();
    const w = durable();
    const sent = await workload(w, ids);
    const again = await restart(w);
    expect(again.journal?.recovery).toMatchObject({ snapshot: undefined, records: 2 + sent.length, truncatedBytes: 0 });
    for (const [operation, body, response] of sent) {
      expect(JSON.stringify(await again.handle(operation, { ...body, request_uuid: ids.next() }))).toBe(JSON.stringify(response));
    }
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 100_650 });
    expect(await again.balance({ user: 'bob', request_uuid: '' })).toMatchObject({ balance: 100_000 });
    // The reservation and the bet states came back too.
    const reserved = sent[5]?.[1].reference_transaction_uuid as string;
    expect((await again.bet(betBody(ids, { transaction_uuid: reserved }))).status).toBe(Status.TRANSACTION_ROLLED_BACK);
    const open = sent[4]?.[1].transaction_uuid as string;
    expect((await again.win(winBody(ids, open, { amount: 5 }))).status).toBe(Status.OK);
    const won = sent[0]?.[1].transaction_uuid as string;
    expect((await again.win(winBody(ids, won))).status).toBe(Status.UNKNOWN);
  });

  it('keeps users created without any transaction', async () => {
    const w = durable();
    await w.createUsers(['carol']);
    const again = await restart(w);
    expect(again.userCount).toBe(1);
  });
});

describe('no response is released before what it reflects is on disk', () => {
  it('holds a bet, its immediate replay and a balance until their commit', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    const bet = betBody(new Ids());
    const before = w.journal?.commits ?? Number.NaN;
    const released: number[] = [];
    const track = <T>(promise: Promise<T>): Promise<T> => promise.then((value) => {
      released.push(w.journal?.commits ?? Number.NaN);
      return value;
    });
    const [placed, replayed, balance] = await Promise.all([track(w.bet(bet)), track(w.bet(bet)), track(w.balance({ user: 'alice', request_uuid: '' }))]);
    expect(replayed).toEqual(placed);
    expect(balance).toMatchObject({ balance: 99_900 });
    expect(released.every((commits) => commits === before + 1)).toBe(true);
  });
});

describe('writes are group-committed', () => {
  it('writes a turn of a thousand bets with one write and one fdatasync', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    const ids = new Ids();
    const before = w.journal?.commits ?? Number.NaN;
    const responses = await Promise.all(Array.from({ length: 1000 }, () => w.bet(betBody(ids, { amount: 1 }))));
    expect(responses.every((r) => r.status === Status.OK)).toBe(true);
    expect((w.journal?.commits ?? Number.NaN) - before).toBe(1);
  });
});

describe('a failed write is never reported as durable', () => {
  it('rejects durable() for the failed batch and for every later one', async () => {
    const failed = Promise.reject(new Error('disk full'));
    failed.catch(() => {});
    const log = new AppendLog(join(data.path, 'failing.log'), failed);
    log.append('first\n');
    await expect(log.durable()).rejects.toThrow('disk full');
    log.append('second\n');
    await expect(log.durable()).rejects.toThrow('disk full');
    await expect(log.close()).rejects.toThrow('disk full');
    expect(readFileSync(join(data.path, 'failing.log'), 'utf8')).toBe('');
  });
});

describe('a torn or damaged tail is cut off; damage in the middle stops start-up', () => {
  it('cuts off a half-written last record and reports it', async () => {
    const ids = new Ids();
    const w = durable();
    await workload(w, ids);
    await shutDown(w);
    appendFileSync(journalFile(), '1234abcd {"type":"command","user":"al');
    const again = durable();
    expect(again.journal?.recovery?.truncatedBytes).toBe(37);
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 100_650 });
    expect(readFileSync(journalFile(), 'utf8').endsWith('\n')).toBe(true);
  });

  it('cuts off a last record whose checksum fails', async () => {
    const ids = new Ids();
    const w = durable();
    await workload(w, ids);
    await shutDown(w);
    asFormat2();
    const text = readFileSync(journalFile(), 'utf8');
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    writeFileSync(journalFile(), text.slice(0, lastStart) + text.slice(lastStart).replace('"rollback"', '"rollbacK"'));
    const again = durable();
    expect(again.journal?.recovery?.truncatedBytes).toBe(Buffer.byteLength(text.slice(lastStart)));
    expect(again.transactionCount).toBe(5);
  });

  it('refuses to start when a record in the middle is damaged', async () => {
    const w = durable();
    await workload(w, new Ids());
    await shutDown(w);
    asFormat2();
    const text = readFileSync(journalFile(), 'utf8');
    writeFileSync(journalFile(), text.replace('"amount":300', '"amount":900'));
    expect(() => start({ journal: data.path })).toThrow(JournalCorruptError);
  });

  it('refuses to start when two lines in the middle are damaged, names the first, and cuts nothing off', async () => {
    const w = durable();
    await workload(w, new Ids());
    await shutDown(w);
    asFormat2();
    const lines = readFileSync(journalFile(), 'utf8').split('\n');
    // Lines 4 and 5 lose a byte each (their newlines stay); good records follow them.
    const damaged = lines.map((line, i) => (i === 3 || i === 4 ? line.slice(0, -2) + line.slice(-1) : line)).join('\n');
    writeFileSync(journalFile(), damaged);
    expect(() => start({ journal: data.path })).toThrow(/journal-000000\.log, line 4: checksum or syntax error/);
    expect(readFileSync(journalFile(), 'utf8')).toBe(damaged);
  });
});

describe('a journal whose records the engine refuses is corrupt', () => {
  it('names the file and line of a command that does not replay', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    await shutDown(w);
    const forged = encodeRecord({ type: 'command', user: 'alice', operation: 'bet', transactionUuid: uuid(1), requestUuid: uuid(2), currency: 'USD', amount: 10 ** 9, fingerprint: 'x' });
    appendFileSync(journalFile(), forged + forged);
    expect(() => start({ journal: data.path })).toThrow(/line 3: the journal replays .* as RS_ERROR_NOT_ENOUGH_MONEY/);
  });
});

describe('snapshots bound recovery', () => {
  it('writes one on demand, starts a new journal and recovers from both', async () => {
    const ids = new Ids();
    const w = durable();
    const sent = await workload(w, ids);
    await w.journal?.snapshot();
    await w.bet(betBody(ids, { amount: 7 }));
    expect(readdirSync(data.path).sort()).toEqual(['exwallet.lock', 'journal-000001.log', 'snapshot-000001.log']);
    const again = await restart(w);
    expect(again.journal?.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 100_643 });
    for (const [operation, body, response] of sent) {
      expect(await again.handle(operation, body)).toEqual(response);
    }
  });

  it('writes one every N records', async () => {
    const ids = new Ids();
    const w = durable({ snapshotEvery: 5 });
    await workload(w, ids);
    await shutDown(w);
    expect(readdirSync(data.path).some((file) => file.startsWith('snapshot-'))).toBe(true);
    const again = durable({ snapshotEvery: 5 });
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 100_650 });
    expect(again.transactionCount).toBe(6);
  });
});
