/**
 * Deterministic workloads for the cross-process tests: the same ids, bodies and order on every run.
 */
import { seededRandom, uuid } from '../../../test-support/random.js';

export type WalletOperation = 'bet' | 'win' | 'rollback';

/** One request: the route it goes to and its body. */
export interface WalletRequest {
  readonly operation: WalletOperation;
  readonly path: `/transaction/${WalletOperation}`;
  readonly body: Readonly<Record<string, unknown>>;
}

function request(operation: WalletOperation, body: Record<string, unknown>): WalletRequest {
  return { operation, path: `/transaction/${operation}`, body };
}

/** A transaction id sent through several processes, once through each: `copies[j]` goes through process j. */
export interface SharedId {
  readonly id: string;
  readonly copies: readonly WalletRequest[];
  /** Copies with the same variant are the same request (only `request_uuid` or the id's case differ); others differ. */
  readonly variants: readonly number[];
}

/**
 * `count` bets, each sent three times with its own `request_uuid`: every 5th id with three
 * different amounts, every 7th with the second and third copies for another user, every 3rd
 * with the id upper-cased in the second copy (still the same request), the rest identical.
 * Amounts are small, so every bet fits any balance of 100,000.
 */
export function sharedIdBets(seed: number, count: number, users: readonly string[]): SharedId[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    // Ids with hex letters, so that the upper-cased copy really is spelled differently.
    const id = uuid(0xabcdef000000 + i);
    const user = users[i % users.length] as string;
    const amount = 1 + Math.floor(random() * 100);
    const base = { user, transaction_uuid: id, currency: 'USD', amount, round: `round-${i}`, game_code: 'clt_dragonrising' };
    const copy = (j: number, fields: Record<string, unknown> = {}): WalletRequest =>
      request('bet', { ...base, request_uuid: uuid(0x100000000 + 3 * i + j), ...fields });
    if (i % 5 === 0) return { id, copies: [copy(0), copy(1, { amount: amount + 1 }), copy(2, { amount: amount + 2 })], variants: [0, 1, 2] };
    if (i % 7 === 0) {
      const other = users[(i + 1) % users.length];
      return { id, copies: [copy(0), copy(1, { user: other }), copy(2, { user: other })], variants: [0, 1, 1] };
    }
    if (i % 3 === 0) return { id, copies: [copy(0), copy(1, { transaction_uuid: id.toUpperCase() }), copy(2)], variants: [0, 0, 0] };
    return { id, copies: [copy(0), copy(1), copy(2)], variants: [0, 0, 0] };
  });
}

/**
 * One chain of requests per user, to be sent in order, each after the previous one's answer:
 * rounds of a bet, then a win, a rollback or nothing, with exact retries (the same body with a
 * new `request_uuid`, as an aggregator resends after a timeout) and rollbacks of bets that never
 * arrived. Every request of a chain is `RS_OK` when the chain is applied in order.
 */
export function roundChains(seed: number, users: readonly string[], rounds: number): WalletRequest[][] {
  const random = seededRandom(seed);
  let next = 0x200000000;
  const id = (): string => uuid(next++);
  const retry = (original: WalletRequest): WalletRequest => request(original.operation, { ...original.body, request_uuid: id() });
  return users.map((user) => {
    const chain: WalletRequest[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const betId = id();
      const common = { user, round: `${user}-${round}`, game_code: 'clt_dragonrising' };
      const bet = request('bet', { ...common, transaction_uuid: betId, request_uuid: id(), currency: 'USD', amount: 1 + Math.floor(random() * 500) });
      chain.push(bet);
      if (random() < 0.3) chain.push(retry(bet));
      const outcome = random();
      let settle: WalletRequest | undefined;
      if (outcome < 0.5) {
        settle = request('win', { ...common, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: betId, currency: 'USD', amount: Math.floor(random() * 1_000) });
      } else if (outcome < 0.85) {
        settle = request('rollback', { ...common, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: betId });
      }
      if (settle !== undefined) {
        chain.push(settle);
        if (random() < 0.3) chain.push(retry(settle));
      }
      if (random() < 0.1) chain.push(request('rollback', { ...common, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: id() }));
    }
    return chain;
  });
}
