import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOURNAL_FORMAT_VERSION, start, type Wallet } from '../../lib/index.js';
import { decodeRecord } from '../../lib/journal/format.js';

/**
 * spec/fixtures/journal-v2: a data directory written by the engine in journal format 2 (JSON
 * lines under a `settings` header with `"format":2`), with what that engine answered (see the
 * README beside it).
 */
const FIXTURE = new URL('../fixtures/journal-v2/', import.meta.url);
type Operation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw' | 'balance';
interface Exchange {
  readonly operation: Operation;
  readonly body: Record<string, unknown>;
  readonly response: string;
}
interface Expected {
  readonly clock: number;
  readonly counts: { readonly users: number; readonly transactions: number };
  readonly tokens: Readonly<Record<string, string>>;
  readonly sent: readonly Exchange[];
  readonly probes: readonly Exchange[];
  readonly backOffice: {
    readonly limits: Readonly<Record<string, unknown>>;
    readonly info: Readonly<Record<string, unknown>>;
    readonly transactions: readonly unknown[];
    readonly history: Readonly<Record<string, unknown>>;
  };
}
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as Expected;
const USERS = Object.keys(expected.backOffice.limits);
const id = (n: number): string => `ab00cd00-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const TRANSACTIONS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33].map(id);

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exwallet-compat-v2-'));
  cpSync(new URL('data', FIXTURE), directory, { recursive: true });
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const open = (): Wallet => start({ journal: directory, clock: () => expected.clock, retentionDays: 0, requireToken: true });
const ask = async (w: Wallet, { operation, body }: Exchange): Promise<string> => JSON.stringify(await (w[operation] as (body: unknown) => Promise<unknown>).call(w, body));
const firstLine = (file: string): unknown => JSON.parse(readFileSync(join(directory, file), 'latin1').split('\n')[0]?.slice(9) ?? '');

/** The back office's view of every user and transaction, as JSON (what the fixture recorded). */
async function backOffice(w: Wallet): Promise<unknown> {
  const view = {
    limits: Object.fromEntries(await Promise.all(USERS.map(async (user) => [user, (await w.getLimits(user)) ?? null]))),
    info: Object.fromEntries(await Promise.all(USERS.map(async (user) => [user, await w.userInfo({ user, request_uuid: id(400) })]))),
    transactions: await Promise.all(TRANSACTIONS.map(async (transaction) => (await w.transaction(transaction)) ?? null)),
    history: Object.fromEntries(await Promise.all(USERS.map(async (user) => [user, (await w.history(user)) ?? null]))),
  };
  return JSON.parse(JSON.stringify(view)) as unknown;
}

describe('a data directory written in format 2 recovers with every balance, replay, refusal, session, limit and record as that version answered', () => {
  it('answers every request the old engine answered after its last change byte for byte, and shows the same back office view', async () => {
    const w = open();
    expect(w.journal?.recovery).toMatchObject({ snapshot: 'snapshot-000001.log', truncatedBytes: 0 });
    expect({ users: w.userCount, transactions: w.transactionCount }).toEqual(expected.counts);
    // Replays from the snapshot and from the journal after it; refusals by reserved id, disabled
    // user, duplicate, cancelled and won bet, currency, funds, closed or foreign session; balances.
    const answers: string[] = [];
    for (const probe of expected.probes) answers.push(await ask(w, probe));
    expect(answers).toEqual(expected.probes.map((probe) => probe.response));
    expect(await backOffice(w)).toEqual(expected.backOffice);
    await w.stop();
  });

  it('answers a retry of every transaction the old engine recorded with its original response', async () => {
    const w = open();
    const recorded = expected.sent.filter((exchange) => (JSON.parse(exchange.response) as { status: string }).status === 'RS_OK');
    expect(recorded.map((exchange) => exchange.operation).sort()).toEqual(expect.arrayContaining(['bet', 'deposit', 'rollback', 'win', 'withdraw']));
    for (const exchange of recorded) expect(await ask(w, exchange)).toBe(exchange.response);
    await w.stop();
  });

  it('cuts a torn last line off the format-2 journal and goes on writing it in format 2', async () => {
    const path = join(directory, 'journal-000001.log');
    const whole = readFileSync(path);
    appendFileSync(path, '1234abcd {"type":"command","user":"gr');
    const w = open();
    expect(w.journal?.recovery?.truncatedBytes).toBe(37);
    await w.createUsers(['grace']);
    const session = await w.openSession({ user: 'grace', ttl_seconds: 86_400 });
    const bet = { user: 'grace', transaction_uuid: id(1_000), request_uuid: id(1_001), currency: 'USD', amount: 15, round: 'r-9', token: session?.token ?? '' };
    expect(await w.bet(bet)).toMatchObject({ status: 'RS_OK', balance: 99_985 });
    await w.stop();
    const continued = readFileSync(path);
    expect(continued.subarray(0, whole.length)).toEqual(whole);
    // What was added after the cut is lines of format 2, each a record: no binary record.
    expect(continued.length).toBeGreaterThan(whole.length);
    for (let offset = whole.length; offset < continued.length; ) {
      const end = continued.indexOf(0x0a, offset);
      expect(decodeRecord(continued, offset, end)).toBeDefined();
      offset = end + 1;
    }
    const again = open();
    expect(again.journal?.recovery?.truncatedBytes).toBe(0);
    expect(await again.bet(bet)).toMatchObject({ status: 'RS_OK', balance: 99_985 });
    await again.stop();
  });

  it('journals on after the format-2 files without changing what they hold, recovers again, and writes files of the current format from the next snapshot', async () => {
    const journal = readFileSync(join(directory, 'journal-000001.log'));
    const w = open();
    await w.createUsers(['grace']);
    const session = await w.openSession({ user: 'grace', ttl_seconds: 86_400 });
    const bet: Exchange = {
      operation: 'bet',
      body: { user: 'grace', transaction_uuid: id(1_000), request_uuid: id(1_001), currency: 'USD', amount: 15, round: 'r-9', token: session?.token },
      response: '',
    };
    const answered = await ask(w, bet);
    expect(JSON.parse(answered)).toMatchObject({ status: 'RS_OK', balance: 99_985 });
    await w.stop();
    // What the format-2 journal held is still there, byte for byte, first.
    expect(readFileSync(join(directory, 'journal-000001.log')).subarray(0, journal.length)).toEqual(journal);
    expect(firstLine('journal-000001.log')).toEqual({ type: 'settings', format: 2, currency: 'USD', initialBalance: 100_000 });
    // Continued in its own format: what was added is lines of format 2 too, each a record.
    const continued = readFileSync(join(directory, 'journal-000001.log'));
    expect(continued.length).toBeGreaterThan(journal.length);
    for (let offset = journal.length; offset < continued.length; ) {
      const end = continued.indexOf(0x0a, offset);
      expect(decodeRecord(continued, offset, end)).toBeDefined();
      offset = end + 1;
    }

    const again = open();
    expect(await ask(again, bet)).toBe(answered);
    for (const probe of expected.probes) expect(await ask(again, probe)).toBe(probe.response);
    const view = await backOffice(again);
    await again.journal?.snapshot();
    await again.stop();
    const files = readdirSync(directory).filter((file) => file.endsWith('.log')).sort();
    expect(files.filter((file) => file.startsWith('snapshot'))).toHaveLength(1);
    for (const file of files) expect(firstLine(file)).toEqual({ type: 'settings', format: JOURNAL_FORMAT_VERSION, currency: 'USD', initialBalance: 100_000 });

    const third = open();
    expect(await ask(third, bet)).toBe(answered);
    for (const probe of expected.probes) expect(await ask(third, probe)).toBe(probe.response);
    expect(await backOffice(third)).toEqual(view);
    await third.stop();
  });
});
