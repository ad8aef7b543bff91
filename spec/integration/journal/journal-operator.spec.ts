import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Status, type Wallet, type WalletResponse } from '../../../lib/index.js';
import { betBody, Ids, rollbackBody, uuid } from '../../support/helpers.js';
import { journalDirectory } from '../../support/journal-directory.js';

const data = journalDirectory('operator');
const { restart } = data;
const durable = (options: { snapshotEvery?: number } = {}): Wallet => data.open(options);

/** How an engine comes back: from its journal alone, or from a snapshot taken just before it stopped. */
const RECOVERIES = [
  ['after a restart', async (w: Wallet): Promise<Wallet> => restart(w)],
  [
    'after a snapshot and a restart',
    async (w: Wallet): Promise<Wallet> => {
      await w.journal?.snapshot();
      const again = await restart(w);
      expect(again.journal?.recovery?.snapshot).toMatch(/^snapshot-/);
      return again;
    },
  ],
] as const;

type Cashier = 'deposit' | 'withdraw';

interface CashierBody {
  user: string;
  transaction_uuid: string;
  request_uuid: string;
  currency: string;
  amount: number;
  meta?: unknown;
}

function cashierBody(ids: Ids, fields: Partial<CashierBody> = {}): CashierBody {
  return { user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 500, ...fields };
}

describe.each(RECOVERIES)('%s the engine keeps every user as it was created and left', (_, recover) => {
  it('keeps the currency and balance each user was created with', async () => {
    const w = durable();
    await w.createUsers([{ user: 'eve', currency: 'EUR', balance: 1_234 }, { user: 'ann', balance: 0 }, 'tom', { user: 'max', balance: Number.MAX_SAFE_INTEGER }]);
    const again = await recover(w);
    const answers = await Promise.all(['eve', 'ann', 'tom', 'max'].map((user) => again.balance({ user, request_uuid: 'r' })));
    expect(answers.map((answer) => 'balance' in answer && [answer.currency, answer.balance])).toEqual([
      ['EUR', 1_234],
      ['USD', 0],
      ['USD', 100_000],
      ['USD', Number.MAX_SAFE_INTEGER],
    ]);
    // Still the user's own currency that bets are held to.
    const ids = new Ids();
    expect((await again.bet(betBody(ids, { user: 'eve' }))).status).toBe(Status.WRONG_CURRENCY);
    expect(await again.bet(betBody(ids, { user: 'eve', currency: 'EUR', amount: 34 }))).toMatchObject({ status: Status.OK, balance: 1_200 });
  });

  it('keeps a disabled user disabled and an enabled-again user enabled', async () => {
    const w = durable();
    await w.createUsers(['alice', 'bob', 'carol']);
    const ids = new Ids();
    const earlier = betBody(ids, { amount: 100 });
    const placed = await w.bet(earlier);
    await w.setUserDisabled('alice', true);
    await w.setUserDisabled('bob', true);
    await w.setUserDisabled('bob', false);
    const again = await recover(w);
    expect((await again.bet(betBody(ids))).status).toBe(Status.USER_DISABLED);
    expect(JSON.stringify(await again.bet({ ...earlier, request_uuid: ids.next() }))).toBe(JSON.stringify(placed));
    expect((await again.bet(betBody(ids, { user: 'bob' }))).status).toBe(Status.OK);
    expect((await again.bet(betBody(ids, { user: 'carol' }))).status).toBe(Status.OK);
    expect(await again.setUserDisabled('alice', false)).toBe(true);
    expect((await again.bet(betBody(ids))).status).toBe(Status.OK);
  });

  it('replays every deposit and withdrawal byte for byte and keeps refusing what it refused', async () => {
    const w = durable();
    await w.createUsers(['alice', 'bob']);
    const ids = new Ids();
    const sent: Array<[Cashier, CashierBody, WalletResponse]> = [];
    for (const [operation, fields] of [
      ['deposit', { amount: 700 }],
      ['withdraw', { amount: 200 }],
      ['deposit', { user: 'bob', amount: 0, meta: { note: 'welcome' } }],
      ['withdraw', { user: 'bob', amount: 100_000 }],
    ] as const) {
      const body = cashierBody(ids, fields);
      sent.push([operation, body, await w.handle(operation, body)]);
    }
    const failed = cashierBody(ids, { amount: 10 ** 9 });
    expect((await w.handle('withdraw', failed)).status).toBe(Status.NOT_ENOUGH_MONEY);
    const again = await recover(w);
    expect(again.transactionCount).toBe(4);
    for (const [operation, body, response] of sent) {
      expect(response.status).toBe(Status.OK);
      expect(JSON.stringify(await again.handle(operation, { ...body, request_uuid: ids.next() }))).toBe(JSON.stringify(response));
      // Still the operation it was: other parameters, or another operation, are a duplicate.
      expect((await again.handle(operation, { ...body, amount: 1 })).status).toBe(Status.DUPLICATE_TRANSACTION);
      expect((await again.handle(operation === 'deposit' ? 'withdraw' : 'deposit', body)).status).toBe(Status.DUPLICATE_TRANSACTION);
      expect((await again.bet(betBody(ids, { user: body.user, transaction_uuid: body.transaction_uuid }))).status).toBe(Status.DUPLICATE_TRANSACTION);
      expect((await again.rollback(rollbackBody(ids, body.transaction_uuid, { user: body.user }))).status).toBe(Status.TRANSACTION_DOES_NOT_EXIST);
    }
    expect(await again.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 100_500 });
    expect(await again.balance({ user: 'bob', request_uuid: '' })).toMatchObject({ balance: 0 });
    // The refused withdrawal recorded nothing: its id is free.
    expect((await again.deposit({ ...failed, amount: 1 })).status).toBe(Status.OK);
  });
});

describe('setUserDisabled resolves only once the change is on disk', () => {
  it('has the change in the journal file when its promise resolves', async () => {
    const w = durable();
    await w.createUsers(['alice']);
    expect(await w.setUserDisabled('alice', true)).toBe(true);
    const journal = readdirSync(data.path).find((file) => file.startsWith('journal-')) as string;
    expect(readFileSync(join(data.path, journal), 'utf8')).toContain('{"type":"disabled","user":"alice","disabled":true}');
  });
});

describe('every operator operation acknowledged before a SIGKILL is found after it', () => {
  it('keeps the created user, the deposit, the withdrawal and the disabling the killed process acknowledged', async () => {
    const worker = fileURLToPath(new URL('../../faults/crash/operator-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', worker, data.path], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const signal = await new Promise((resolve) => child.on('exit', (_, killedBy) => resolve(killedBy)));
    expect(signal).toBe('SIGKILL');
    const acknowledged = new Map(output.trim().split('\n').map((line) => {
      const { step, answer } = JSON.parse(line) as { step: string; answer: unknown };
      return [step, answer] as const;
    }));
    expect([...acknowledged.keys()]).toEqual(['created', 'deposit', 'withdraw', 'disabled']);
    expect(acknowledged.get('disabled')).toBe(true);

    const w = durable();
    expect(await w.balance({ user: 'eve', request_uuid: 'r' })).toEqual({ user: 'eve', status: Status.OK, request_uuid: 'r', currency: 'EUR', balance: 1_200 });
    const replayed = await w.deposit({ user: 'eve', transaction_uuid: uuid(0xd1), request_uuid: uuid(0xd3), currency: 'EUR', amount: 250 });
    expect(JSON.stringify(replayed)).toBe(JSON.stringify(acknowledged.get('deposit')));
    const again = await w.withdraw({ user: 'eve', transaction_uuid: uuid(0xe1), request_uuid: uuid(0xe3), currency: 'EUR', amount: 50 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(acknowledged.get('withdraw')));
    expect((await w.bet(betBody(new Ids(), { user: 'eve', currency: 'EUR' }))).status).toBe(Status.USER_DISABLED);
  });
});

describe.each(RECOVERIES)('%s a journaled engine holds no user name outside the rule', (_, recover) => {
  it('journals only the valid names of a createUsers call, and serves those alone', async () => {
    const w = durable();
    await w.createUsers(['carol', 'x\u0000y', 's\ud800', 'a'.repeat(256), { user: '\udc00' }, 'dave']);
    expect(await w.setUserDisabled('x\u0000y', true)).toBe(false);
    const again = await recover(w);
    expect(again.userCount).toBe(2);
    const journaled = readdirSync(data.path).map((file) => readFileSync(join(data.path, file), 'utf8')).join('');
    expect(journaled).not.toMatch(/x\\u0000y|\\ud800|\\udc00|a{256}/);
    expect((await again.balance({ user: 'x\u0000y', request_uuid: uuid(1) })).status).toBe(Status.UNKNOWN);
    expect((await again.balance({ user: 'dave', request_uuid: uuid(1) })).status).toBe(Status.OK);
  });
});
