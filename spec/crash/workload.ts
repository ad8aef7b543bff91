import { seededRandom, uuid } from '../helpers.js';

export type Operation = 'bet' | 'win' | 'rollback';
export interface CrashRequest {
  readonly operation: Operation;
  readonly body: Record<string, unknown>;
}

export const CRASH_USERS = ['c1', 'c2', 'c3', 'c4', 'c5'];
export const REQUESTS_PER_CYCLE = 2_000;

/** The requests of one cycle: the same for the worker that sends them and the test that checks them. */
export function crashWorkload(seed: number, cycle: number): CrashRequest[] {
  const random = seededRandom(seed * 1_000 + cycle);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let next = cycle * 1_000_000;
  const id = (): string => uuid(++next);
  const requests: CrashRequest[] = [];
  const bets: Array<{ id: string; user: string }> = [];
  for (let i = 0; i < REQUESTS_PER_CYCLE; i += 1) {
    const roll = random();
    const user = pick(CRASH_USERS);
    if (roll < 0.45 || bets.length === 0) {
      const body = { user, transaction_uuid: id(), request_uuid: id(), currency: 'USD', amount: Math.floor(random() * 5_000) };
      bets.push({ id: body.transaction_uuid, user });
      requests.push({ operation: 'bet', body });
    } else if (roll < 0.7) {
      const bet = pick(bets);
      requests.push({ operation: 'win', body: { user: bet.user, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: bet.id, currency: 'USD', amount: Math.floor(random() * 10_000) } });
    } else if (roll < 0.8) {
      const bet = random() < 0.8 ? pick(bets) : { id: id(), user };
      requests.push({ operation: 'rollback', body: { user: bet.user, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: bet.id } });
    } else {
      const earlier = pick(requests);
      requests.push({ operation: earlier.operation, body: { ...earlier.body, request_uuid: id() } });
    }
  }
  return requests;
}
