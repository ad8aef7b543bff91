import { seededRandom, uuid } from '../../../test-support/random.js';

export type Operation = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw';
export interface WorkloadRequest {
  readonly operation: Operation;
  readonly body: Record<string, unknown>;
}

/** What else a workload holds besides bets, wins, rollbacks and retries. */
export interface WorkloadOptions {
  /** The share of requests that are a cashier's deposits and withdrawals (0 to 1). Default 0. */
  readonly cashier?: number;
}

/**
 * A seeded stream of requests over a few users: bets; wins and rollbacks of earlier bets
 * (sometimes sent for the wrong user, sometimes of ids nobody bet, sometimes naming the bet in
 * upper case); with `cashier`, deposits and withdrawals (some past the balance); and retries of
 * earlier requests, mostly exact, sometimes with a changed amount, sometimes with their ids in
 * upper case. Ids start after `firstId` and all have hex letters, so that upper-casing one
 * changes it. Without `cashier` the stream is the same as it always was for a seed.
 */
export function randomWorkload(seed: number, users: readonly string[], size: number, firstId = 0, options: WorkloadOptions = {}): WorkloadRequest[] {
  const { cashier = 0 } = options;
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let next = firstId;
  const id = (): string => uuid(0xfa0000000000 + ++next);
  const anyCase = (text: string, odds: number): string => (random() < odds ? text.toUpperCase() : text);
  const requests: WorkloadRequest[] = [];
  const bets: Array<{ id: string; user: string }> = [];
  for (let i = 0; i < size; i += 1) {
    // Drawn only when asked for, so that a stream without cashier requests keeps its seed's requests.
    if (cashier > 0 && random() < cashier) {
      const operation = random() < 0.5 ? 'deposit' : 'withdraw';
      const amount = Math.floor(random() * (operation === 'deposit' ? 20_000 : 60_000));
      requests.push({ operation, body: { user: pick(users), transaction_uuid: id(), request_uuid: id(), currency: 'USD', amount } });
      continue;
    }
    const roll = random();
    const user = pick(users);
    if (roll < 0.42 || bets.length === 0) {
      const body = { user, transaction_uuid: id(), request_uuid: id(), currency: 'USD', amount: Math.floor(random() * 4_000) };
      bets.push({ id: body.transaction_uuid, user });
      requests.push({ operation: 'bet', body });
    } else if (roll < 0.64) {
      const bet = pick(bets);
      const owner = random() < 0.9 ? bet.user : user;
      const body = { user: owner, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: anyCase(bet.id, 0.2), currency: 'USD', amount: Math.floor(random() * 8_000) };
      requests.push({ operation: 'win', body });
    } else if (roll < 0.76) {
      const bet = random() < 0.8 ? pick(bets) : { id: id(), user };
      requests.push({ operation: 'rollback', body: { user: bet.user, transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: anyCase(bet.id, 0.2) } });
    } else {
      const earlier = pick(requests);
      const body: Record<string, unknown> = { ...earlier.body, request_uuid: id(), transaction_uuid: anyCase(earlier.body.transaction_uuid as string, 0.3) };
      if (random() < 0.15 && earlier.operation !== 'rollback') body.amount = (body.amount as number) + 1;
      requests.push({ operation: earlier.operation, body });
    }
  }
  return requests;
}
