import { UserActor } from './actor.js';
import { TransactionRegistry } from './registry.js';
import { Status, type Operation, type WalletResponse } from './types.js';
import { parseCommand, readBody, stringField } from './validation.js';

/**
 * Routes each request to its user's actor. Owns the engine's users and its transaction
 * registry; decides nothing about money itself.
 */
export class Supervisor {
  readonly #users = new Map<string, UserActor>();
  readonly #registry = new TransactionRegistry();
  readonly #currency: string;
  readonly #initialBalance: number;
  #stopped = false;

  constructor(currency: string, initialBalance: number) {
    this.#currency = currency;
    this.#initialBalance = initialBalance;
  }

  /** Number of users. */
  get userCount(): number {
    return this.#users.size;
  }

  /** Number of recorded transactions. */
  get transactionCount(): number {
    return this.#registry.size;
  }

  /** Creates each new, non-empty user name once; anything else in the list is ignored. */
  createUsers(users: unknown): void {
    if (this.#stopped || !Array.isArray(users)) return;
    for (const user of users as unknown[]) {
      if (typeof user === 'string' && user !== '' && !this.#users.has(user)) {
        this.#users.set(user, new UserActor(user, this.#currency, this.#initialBalance, this.#registry));
      }
    }
  }

  /** Checks 1 and 2, then hands the request to its user's actor. Never rejects. */
  handle(operation: Operation, body: unknown): Promise<WalletResponse> {
    const fields = readBody(body);
    if (fields === undefined) return unknownUser(Status.WRONG_SYNTAX, '', '');
    const user = fields.get('user');
    const actor = typeof user === 'string' ? this.#users.get(user) : undefined;
    const requestUuid = stringField(fields, 'request_uuid');
    if (actor === undefined) return unknownUser(Status.UNKNOWN, stringField(fields, 'user'), requestUuid);
    if (this.#stopped) return actor.reply(Status.UNKNOWN, requestUuid);
    if (operation === 'balance') return actor.reply(Status.OK, requestUuid);
    const command = parseCommand(operation, fields);
    return typeof command === 'string' ? actor.reply(command, requestUuid) : actor.execute(command);
  }

  /** Refuses new requests, then waits for every request already sent to be answered. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const actor of this.#users.values()) await actor.drained();
  }
}

function unknownUser(status: Status, user: string, requestUuid: string): Promise<WalletResponse> {
  return Promise.resolve({ user, status, request_uuid: requestUuid });
}
