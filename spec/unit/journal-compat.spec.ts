import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { JOURNAL_FORMAT_VERSION, JournalCorruptError, JournalFormatError, start, type Wallet } from '../../lib/index.js';
import { encodeRecord } from '../../lib/journal/format.js';

/**
 * spec/fixtures/journal-v1: a data directory written by the engine before journal files carried
 * a format version (format 1), with what that engine answered (see the README beside it).
 */
const FIXTURE = new URL('../fixtures/journal-v1/', import.meta.url);
type Operation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw' | 'balance';
interface Exchange {
  readonly operation: Operation;
  readonly body: Record<string, unknown>;
  readonly response: string;
}
interface Expected {
  readonly clock: number;
  readonly currency: string;
  readonly initialBalance: number;
  readonly counts: { readonly users: number; readonly transactions: number };
  readonly sent: readonly Exchange[];
  readonly probes: readonly Exchange[];
}
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as Expected;

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exwallet-compat-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** The fixture's data directory, copied where it may be changed. */
function copyFixture(): void {
  cpSync(new URL('data', FIXTURE), directory, { recursive: true });
}

const open = (): Wallet => start({ journal: directory, clock: () => expected.clock, retentionDays: 0 });
const ask = async (w: Wallet, { operation, body }: Exchange): Promise<string> => JSON.stringify(await (w[operation] as (body: unknown) => Promise<unknown>).call(w, body));
const firstLine = (file: string): unknown => JSON.parse(readFileSync(join(directory, file), 'utf8').split('\n')[0]?.slice(9) ?? '');
const checksummed = (json: string): string => `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;

describe('a data directory written in format 1 recovers with every balance, replay and refusal as that version answered', () => {
  it('answers every request the old engine answered after its last change byte for byte: replays of every operation kind, refusals and balances', async () => {
    copyFixture();
    const w = open();
    expect(w.journal?.recovery).toMatchObject({ snapshot: 'snapshot-000001.log', truncatedBytes: 0 });
    expect({ users: w.userCount, transactions: w.transactionCount }).toEqual(expected.counts);
    // Replays (bets, wins, rollbacks, deposits, withdrawals, upper-case and odd request ids) from
    // the snapshot and from the journal after it; refusals for the reserved ids, the disabled
    // users, duplicates, cancelled and won bets; then every balance.
    const answers: string[] = [];
    for (const probe of expected.probes) answers.push(await ask(w, probe));
    expect(answers).toEqual(expected.probes.map((probe) => probe.response));
    await w.stop();
  });

  it('answers a retry of every transaction the old engine recorded with its original response', async () => {
    copyFixture();
    const w = open();
    const recorded = expected.sent.filter((exchange) => (JSON.parse(exchange.response) as { status: string }).status === 'RS_OK');
    expect(recorded.map((exchange) => exchange.operation).sort()).toEqual(expect.arrayContaining(['bet', 'deposit', 'rollback', 'win', 'withdraw']));
    for (const exchange of recorded) expect(await ask(w, exchange)).toBe(exchange.response);
    await w.stop();
  });

  it('goes on journaling into the format-1 journal, recovers it again, and writes format-2 files from the next snapshot', async () => {
    copyFixture();
    const w = open();
    await w.createUsers(['grace']);
    const deposit: Exchange = { operation: 'deposit', body: { user: 'grace', transaction_uuid: 'ab00cd00-0000-4000-8000-0000000003e8', request_uuid: 'ab00cd00-0000-4000-8000-0000000003e9', currency: 'USD', amount: 15 }, response: '' };
    const answered = await ask(w, deposit);
    expect(JSON.parse(answered)).toMatchObject({ status: 'RS_OK', balance: 100_015 });
    await w.stop();
    // The journal stays one of format 1: its first line is the settings it had.
    expect(firstLine('journal-000001.log')).toEqual({ type: 'settings', currency: 'USD', initialBalance: 100_000 });

    const again = open();
    expect(await ask(again, deposit)).toBe(answered);
    for (const probe of expected.probes) expect(await ask(again, probe)).toBe(probe.response);
    await again.journal?.snapshot();
    await again.stop();
    expect(readdirSync(directory).filter((file) => file.endsWith('.log')).sort()).toEqual(['journal-000002.log', 'snapshot-000002.log']);
    for (const file of ['journal-000002.log', 'snapshot-000002.log']) expect(firstLine(file)).toEqual({ type: 'settings', format: JOURNAL_FORMAT_VERSION, currency: 'USD', initialBalance: 100_000 });

    const third = open();
    expect(await ask(third, deposit)).toBe(answered);
    for (const probe of expected.probes) expect(await ask(third, probe)).toBe(probe.response);
    await third.stop();
  });
});

describe('every new journal and snapshot file begins with the format version and the settings', () => {
  it('heads a new journal, the journal a snapshot starts and the snapshot with {"type":"settings","format":3,…}', async () => {
    const w = start({ journal: directory, currency: 'EUR', initialBalance: 7 });
    await w.createUsers(['alice']);
    const header = { type: 'settings', format: 3, currency: 'EUR', initialBalance: 7 };
    expect(firstLine('journal-000000.log')).toEqual(header);
    await w.journal?.snapshot();
    await w.stop();
    expect(firstLine('journal-000001.log')).toEqual(header);
    expect(firstLine('snapshot-000001.log')).toEqual(header);
  });
});

describe('a file of a newer format is refused at start with a JournalFormatError, and nothing in the directory changes', () => {
  const newer = checksummed('{"type":"settings","format":4,"currency":"USD","initialBalance":100000,"codec":"other"}');

  /** Every file of the directory and its bytes. */
  const contents = (): Record<string, string> => Object.fromEntries(readdirSync(directory).map((file) => [file, readFileSync(join(directory, file), 'latin1')]));

  it.each([
    ['a journal', 'journal-000000.log', `${newer}\u0001\u0002 no record of format 3`],
    ['a snapshot', 'snapshot-000001.log', `${newer}${checksummed('{"type":"end","records":0}')}`],
  ])('refuses %s of format 4 with code EXWALLET_JOURNAL_FORMAT and a one-line message naming the file and both versions', (_, file, text) => {
    writeFileSync(join(directory, file), text, 'latin1');
    const before = contents();
    let error: unknown;
    try {
      void start({ journal: directory }).stop();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(JournalFormatError);
    expect(error).toMatchObject({ name: 'JournalFormatError', code: 'EXWALLET_JOURNAL_FORMAT', version: 4, file: join(directory, file) });
    const { message } = error as Error;
    expect(message).not.toContain('\n');
    expect(message).toBe(`${join(directory, file)} is in journal format 4, newer than this exwallet reads (formats 1 to 3); start a newer exwallet on this directory`);
    // Nothing cut off, removed or added (the lock is given up again).
    const after = contents();
    delete after['exwallet.lock'];
    expect(after).toEqual(before);
  });

  it('refuses a newer journal even behind an older snapshot, before reading or removing anything', async () => {
    const w = start({ journal: directory });
    await w.createUsers(['alice']);
    await w.journal?.snapshot();
    await w.stop();
    writeFileSync(join(directory, 'journal-000000.log'), newer); // a generation older than the snapshot: would be removed
    const before = contents();
    expect(() => start({ journal: directory })).toThrow(JournalFormatError);
    const after = contents();
    delete after['exwallet.lock'];
    delete before['exwallet.lock'];
    expect(after).toEqual(before);
  });
});

describe('a record of the wrong shape is damaged like a bad checksum: a torn tail is cut off, damage in the middle is corruption', () => {
  const header = encodeRecord({ type: 'settings', format: 2, currency: 'USD', initialBalance: 100_000 });
  const alice = encodeRecord({ type: 'user', user: 'alice', balance: 100 });
  const misshapen = checksummed('{"type":"user","user":"bob","balance":"100"}');

  it('cuts a misshapen last record of the last journal off, as a torn write', () => {
    writeFileSync(join(directory, 'journal-000000.log'), header + alice + misshapen);
    const w = start({ journal: directory });
    expect(w.journal?.recovery?.truncatedBytes).toBe(Buffer.byteLength(misshapen));
    expect(w.userCount).toBe(1);
    void w.stop();
    expect(statSync(join(directory, 'journal-000000.log')).size).toBeGreaterThanOrEqual(Buffer.byteLength(header + alice));
  });

  it('refuses to start on a misshapen record that good records follow, naming its line', () => {
    writeFileSync(join(directory, 'journal-000000.log'), header + misshapen + alice);
    expect(() => start({ journal: directory })).toThrow(JournalCorruptError);
    expect(() => start({ journal: directory })).toThrow(/journal-000000\.log, line 2: checksum or syntax error/);
  });

  it('refuses a misshapen record in a snapshot', () => {
    writeFileSync(join(directory, 'snapshot-000001.log'), header + misshapen + encodeRecord({ type: 'end', records: 1 }));
    expect(() => start({ journal: directory })).toThrow(/snapshot-000001\.log, line 2: checksum or syntax error/);
  });

  it('refuses a format header anywhere but on the first line', () => {
    writeFileSync(join(directory, 'journal-000000.log'), header + header + alice);
    expect(() => start({ journal: directory })).toThrow(/journal-000000\.log, line 2: checksum or syntax error/);
  });
});

describe('format 2 carries sessions, player info, limits, period sums and the back office details across restarts, from the journal and from a snapshot', () => {
  it('answers the same limits, info, sessions and transaction records after a restart from the journal and after one from a snapshot', async () => {
    let now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const options = { journal: directory, clock: () => now, requireToken: true, retentionDays: 0 } as const;
    const id = (n: number): string => `ab00cd00-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    const w = start(options);
    await w.createUsers(['alice', 'bob']);
    const session = await w.openSession({ user: 'alice', game_code: 'slots-1', ttl_seconds: 3_600 });
    const closed = await w.openSession({ user: 'bob' });
    await w.closeSession(closed?.token as string);
    await w.setUserInfo('alice', { country: 'EE', tags: ['vip'], sex: 'FEMALE', birth_date: '1990-01-31' });
    await w.setLimits('alice', { wager_day: 1_000, loss_week: 500 });
    now += 60_000;
    await w.setLimits('alice', { wager_day: 5_000 }); // a raise: pending for a day
    const token = session?.token as string;
    await w.bet({ user: 'alice', transaction_uuid: id(1), request_uuid: id(101), currency: 'USD', amount: 300, token, round: 'r-1', game_code: 'slots-1' });
    await w.win({ user: 'alice', transaction_uuid: id(2), request_uuid: id(102), reference_transaction_uuid: id(1), currency: 'USD', amount: 100, round: 'r-1', round_closed: true });
    await w.bet({ user: 'alice', transaction_uuid: id(3), request_uuid: id(103), currency: 'USD', amount: 50, token, is_free: true });
    await w.rollback({ user: 'alice', transaction_uuid: id(4), request_uuid: id(104), reference_transaction_uuid: id(5) });
    // The bets first: the first call applies one (a replay after each restart), which the limits' usage counts.
    const state = async (wallet: Wallet): Promise<unknown> => ({
      sessionBet: await wallet.bet({ user: 'alice', transaction_uuid: id(6), request_uuid: id(106), currency: 'USD', amount: 1, token }),
      closedBet: await wallet.bet({ user: 'bob', transaction_uuid: id(7), request_uuid: id(107), currency: 'USD', amount: 1, token: closed?.token as string }),
      limits: await wallet.getLimits('alice'),
      info: await wallet.userInfo({ user: 'alice', request_uuid: id(200) }),
      records: await Promise.all([1, 2, 3, 4, 6].map((n) => wallet.transaction(id(n)))),
    });
    const before = await state(w);
    expect(before).toMatchObject({ sessionBet: { status: 'RS_OK' }, closedBet: { status: 'RS_ERROR_INVALID_TOKEN' }, limits: { pending: { wager_day: { value: 5_000 } } }, info: { country: 'EE' } });
    expect((before as { records: unknown[] }).records).toEqual([
      expect.objectContaining({ kind: 'bet', round: 'r-1', game_code: 'slots-1', state: 'won' }),
      expect.objectContaining({ kind: 'win', round: 'r-1', round_closed: true, reference_transaction_uuid: id(1) }),
      expect.objectContaining({ kind: 'bet', is_free: true }),
      expect.objectContaining({ kind: 'rollback', amount: 0 }),
      expect.objectContaining({ kind: 'bet', amount: 1 }),
    ]);
    await w.stop();
    expect(firstLine('journal-000000.log')).toMatchObject({ type: 'settings', format: JOURNAL_FORMAT_VERSION });

    const fromJournal = start(options);
    expect(await state(fromJournal)).toEqual(before);
    await fromJournal.journal?.snapshot();
    await fromJournal.stop();
    const snapshot = readFileSync(join(directory, 'snapshot-000001.log'), 'utf8');
    for (const type of ['"type":"session"', '"info":{', '"limits":{', '"pending":{', '"usage":{', '"round":"r-1"']) expect(snapshot).toContain(type);

    const fromSnapshot = start(options);
    expect(fromSnapshot.journal?.recovery?.snapshot).toBe('snapshot-000001.log');
    expect(await state(fromSnapshot)).toEqual(before);
    await fromSnapshot.stop();
  });
});
