import { start, type Wallet, type WalletResponse } from '../lib/index.js';

/** Every wallet operation by name, as a call on an engine. */
export const OPERATIONS: ReadonlyArray<readonly [string, (w: Wallet, body: unknown) => Promise<WalletResponse>]> = [
  ['bet', (w, body) => w.bet(body)],
  ['win', (w, body) => w.win(body)],
  ['rollback', (w, body) => w.rollback(body)],
  ['balance', (w, body) => w.balance(body)],
];

/** Deterministic UUIDs: the n-th id of a test is always the same. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Hands out fresh deterministic UUIDs. */
export class Ids {
  #next = 1;
  next(): string {
    return uuid(this.#next++);
  }
}

/** A started engine with the given users and a source of fresh ids. */
export async function setup(users: readonly string[] = ['alice', 'bob']): Promise<{ w: Wallet; ids: Ids }> {
  const w = start();
  await w.createUsers(users);
  return { w, ids: new Ids() };
}

/** Builders for valid request bodies; fields can be overridden. */
export function betBody(ids: Ids, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 100, ...fields };
}

export function winBody(ids: Ids, reference: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user: 'alice',
    transaction_uuid: ids.next(),
    request_uuid: ids.next(),
    reference_transaction_uuid: reference,
    currency: 'USD',
    amount: 250,
    ...fields,
  };
}

export function rollbackBody(ids: Ids, reference: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), reference_transaction_uuid: reference, ...fields };
}

/** The user's balance as the engine reports it. */
export async function balanceOf(w: Wallet, user = 'alice'): Promise<number | undefined> {
  const response = await w.balance({ user, request_uuid: uuid(0) });
  return 'balance' in response ? response.balance : undefined;
}

/** A copy of the body with a new `request_uuid`: the same request sent again. */
export function resent(body: Record<string, unknown>, ids: Ids): Record<string, unknown> {
  return { ...body, request_uuid: ids.next() };
}

export type { WalletResponse };

/** A small seeded PRNG (mulberry32), so generated workloads are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
