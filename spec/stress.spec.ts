import { describe, expect, it } from '@jest/globals';
import { start, Status, type WalletResponse } from '../lib/index.js';
import { seededRandom, uuid } from './helpers.js';
import { RUN_FACTOR, SEED } from './model/arbitraries.js';
import { ReferenceWallet } from './model/reference-wallet.js';

type Operation = 'bet' | 'win' | 'rollback';
interface Request {
  readonly operation: Operation;
  readonly body: Record<string, unknown>;
}

const HOT_USERS = ['hot-1', 'hot-2', 'hot-3'];

/** Thousands of requests over a few users: bets, wins and rollbacks of earlier bets, retries, reuses. */
function workload(size: number, random: () => number): Request[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const requests: Request[] = [];
  const bets: Array<{ id: string; user: string }> = [];
  let next = 1;
  const id = (): string => uuid(next++);
  for (let i = 0; i < size; i += 1) {
    const roll = random();
    const user = pick(HOT_USERS);
    if (roll < 0.4 || bets.length === 0) {
      const bet = { user, transaction_uuid: id(), request_uuid: id(), currency: 'USD', amount: Math.floor(random() * 3000) };
      bets.push({ id: bet.transaction_uuid, user });
      requests.push({ operation: 'bet', body: bet });
    } else if (roll < 0.6) {
      const target = pick(bets);
      const owner = random() < 0.9 ? target.user : user;
      const body = { user: owner, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: target.id, currency: 'USD', amount: Math.floor(random() * 6000) };
      requests.push({ operation: 'win', body });
    } else if (roll < 0.72) {
      const target = random() < 0.8 ? pick(bets) : { id: id(), user };
      requests.push({ operation: 'rollback', body: { user: target.user, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: target.id } });
    } else {
      // A retry of an earlier request: mostly exact, sometimes with a changed amount.
      const earlier = pick(requests);
      const body: Record<string, unknown> = { ...earlier.body, request_uuid: id() };
      if (random() < 0.15 && earlier.operation !== 'rollback') body.amount = (body.amount as number) + 1;
      requests.push({ operation: earlier.operation, body });
    }
  }
  return requests;
}

describe('thousands of requests in flight over a few hot users', () => {
  const workloads = Array.from({ length: 3 * RUN_FACTOR }, (_, i) => i + 1);
  it.each(workloads)('agree with the model, conserve money and apply each transaction once (workload %i)', async (n) => {
    const requests = workload(6000, seededRandom(SEED + n));
    const w = start();
    const model = new ReferenceWallet();
    await w.createUsers(HOT_USERS);
    model.createUsers(HOT_USERS);

    const send = ({ operation, body }: Request): Promise<WalletResponse> =>
      operation === 'bet' ? w.bet(body) : operation === 'win' ? w.win(body) : w.rollback(body);
    const responses = await Promise.all(requests.map(send));

    requests.forEach(({ operation, body }, i) => {
      expect(JSON.stringify(responses[i])).toBe(JSON.stringify(model.call(operation, body)));
    });
    // Each id answered RS_OK once at most, and every retry of it got that very answer.
    const okById = new Map<string, string>();
    requests.forEach(({ body }, i) => {
      const response = responses[i] as WalletResponse;
      if (response.status !== Status.OK) return;
      const id = body.transaction_uuid as string;
      const seen = okById.get(id);
      if (seen === undefined) okById.set(id, JSON.stringify(response));
      else expect(JSON.stringify(response)).toBe(seen);
    });
    expect(w.transactionCount).toBe(okById.size);

    let total = 0n;
    for (const user of HOT_USERS) {
      const response = await w.balance({ user, request_uuid: '' });
      const balance = 'balance' in response ? response.balance : Number.NaN;
      expect(balance).toBeGreaterThanOrEqual(0);
      total += BigInt(balance);
    }
    expect(total).toBe(BigInt(HOT_USERS.length * 100_000) + model.moved());
  });
});
