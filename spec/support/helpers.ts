import { type Operation, type Wallet, type WalletResponse } from '../../lib/index.js';
import { uuid } from '../../test-support/random.js';
import { start } from './stores.js';

export { seededRandom, uuid } from '../../test-support/random.js';

/** Every wallet operation by name, as a call on an engine through the untyped door. */
export const OPERATIONS: ReadonlyArray<readonly [Operation, (w: Wallet, body: unknown) => Promise<WalletResponse>]> = (
  ['bet', 'win', 'rollback', 'balance'] as const
).map((operation) => [operation, (w: Wallet, body: unknown) => w.handle(operation, body)] as const);

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

/** `T` with the fields of `F` put in, as a spread `{ ...t, ...f }` types it. */
export type With<T, F> = Omit<T, keyof F> & F;

function put<T extends object, F extends object>(base: T, fields: F | undefined): With<T, F> {
  // The spread is exactly With<T, F>; the compiler cannot follow a generic spread that far.
  return { ...base, ...fields } as unknown as With<T, F>;
}

interface BetShape {
  user: string;
  transaction_uuid: string;
  request_uuid: string;
  currency: string;
  amount: number;
}
interface WinShape extends BetShape {
  reference_transaction_uuid: string;
}
interface RollbackShape {
  user: string;
  transaction_uuid: string;
  request_uuid: string;
  reference_transaction_uuid: string;
}

/**
 * Builders for valid request bodies; fields can be overridden. The result is typed with the
 * overrides, so a body made wrong on purpose can only be sent through `w.handle`.
 */
export function betBody<F extends object = {}>(ids: Ids, fields?: F): With<BetShape, F> {
  return put<BetShape, F>({ user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), currency: 'USD', amount: 100 }, fields);
}

export function winBody<F extends object = {}>(ids: Ids, reference: string, fields?: F): With<WinShape, F> {
  const base = { user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), reference_transaction_uuid: reference, currency: 'USD', amount: 250 };
  return put<WinShape, F>(base, fields);
}

export function rollbackBody<F extends object = {}>(ids: Ids, reference: string, fields?: F): With<RollbackShape, F> {
  return put<RollbackShape, F>({ user: 'alice', transaction_uuid: ids.next(), request_uuid: ids.next(), reference_transaction_uuid: reference }, fields);
}

/** The user's balance as the engine reports it. */
export async function balanceOf(w: Wallet, user = 'alice'): Promise<number | undefined> {
  const response = await w.balance({ user, request_uuid: uuid(0) });
  return 'balance' in response ? response.balance : undefined;
}

/** A copy of the body with a new `request_uuid`: the same request sent again. */
export function resent<B extends object>(body: B, ids: Ids): With<B, { request_uuid: string }> {
  return put(body, { request_uuid: ids.next() });
}

export type { WalletResponse };
