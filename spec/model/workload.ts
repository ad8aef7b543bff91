import { seededRandom, uuid } from '../helpers.js';

export type Operation = 'bet' | 'win' | 'rollback';
export interface WorkloadRequest {
  readonly operation: Operation;
  readonly body: Record<string, unknown>;
}

/**
 * A seeded stream of requests over a few users: bets; wins and rollbacks of earlier bets
 * (sometimes sent for the wrong user, sometimes of ids nobody bet, sometimes naming the bet in
 * upper case); and retries of earlier requests, mostly exact, sometimes with a changed amount,
 * sometimes with their ids in upper case. Ids start after `firstId` and all have hex letters,
 * so that upper-casing one changes it.
 */
export function randomWorkload(seed: number, users: readonly string[], size: number, firstId = 0): WorkloadRequest[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let next = firstId;
  const id = (): string => uuid(0xfa0000000000 + ++next);
  const anyCase = (text: string, odds: number): string => (random() < odds ? text.toUpperCase() : text);
  const requests: WorkloadRequest[] = [];
  const bets: Array<{ id: string; user: string }> = [];
  for (let i = 0; i < size; i += 1) {
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
