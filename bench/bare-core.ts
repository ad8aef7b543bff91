import { fingerprint } from '../lib/fingerprint.js';
import { isUuid } from '../lib/uuid.js';

const OPEN_BET_WON = -1;

interface Account {
  balance: number;
  readonly bets: Map<string, number>;
}

/**
 * The reference every figure is measured against: the work of a bet or win done in one
 * synchronous function, with no actor, mailbox, promise or validation beyond the essentials.
 * Map lookup of the user, UUID checks, the same fingerprint as the engine, a registry insert and
 * the balance update.
 */
export class BareCore {
  readonly #accounts = new Map<string, Account>();
  readonly #registry = new Map<string, { fingerprint: string; response: object }>();

  constructor(users: readonly string[], balance: number) {
    for (const user of users) this.#accounts.set(user, { balance, bets: new Map() });
  }

  get size(): number {
    return this.#registry.size;
  }

  apply(operation: 'bet' | 'win', body: Record<string, unknown>): object | undefined {
    const account = this.#accounts.get(body.user as string);
    if (account === undefined || !isUuid(body.transaction_uuid) || !isUuid(body.request_uuid)) {
      return undefined;
    }
    const print = fingerprint(operation, new Map(Object.entries(body)));
    if (print === undefined) return undefined;
    const id = (body.transaction_uuid as string).toLowerCase();
    const known = this.#registry.get(id);
    if (known !== undefined) return known.fingerprint === print ? known.response : undefined;
    const amount = body.amount as number;
    if (operation === 'bet') {
      if (amount > account.balance) return undefined;
      account.balance -= amount;
      account.bets.set(id, amount);
    } else {
      const reference = body.reference_transaction_uuid;
      if (!isUuid(reference) || (account.bets.get(reference.toLowerCase()) ?? OPEN_BET_WON) < 0) return undefined;
      account.balance += amount;
      account.bets.set(reference.toLowerCase(), OPEN_BET_WON);
    }
    const response = { user: body.user, status: 'RS_OK', request_uuid: body.request_uuid, currency: 'USD', balance: account.balance };
    this.#registry.set(id, { fingerprint: print, response });
    return response;
  }
}

/**
 * The least a bet or win can cost: user lookup, two UUID tests, `JSON.stringify` of the
 * fingerprinted fields as the fingerprint, one registry insert and the response object. It
 * checks no types, sorts no keys and hashes nothing: a floor, not a correct engine.
 */
export class LeanCore {
  readonly #accounts = new Map<string, { balance: number }>();
  readonly #registry = new Map<string, string>();

  constructor(users: readonly string[], balance: number) {
    for (const user of users) this.#accounts.set(user, { balance });
  }

  apply(operation: 'bet' | 'win', body: Record<string, unknown>): object | undefined {
    const account = this.#accounts.get(body.user as string);
    if (account === undefined || !isUuid(body.transaction_uuid) || !isUuid(body.request_uuid)) return undefined;
    const print = JSON.stringify([operation, body.user, body.transaction_uuid, body.currency, body.amount, body.round, body.game_code]);
    this.#registry.set(body.transaction_uuid, print);
    account.balance += operation === 'bet' ? -(body.amount as number) : (body.amount as number);
    return { user: body.user, status: 'RS_OK', request_uuid: body.request_uuid, currency: 'USD', balance: account.balance };
  }
}
