import { UserActor } from './actor.js';
import { unknownUser, type Store, type StoreRequest } from './store.js';
import { infoResponse } from './info.js';
import { Status, type Operation, type UserInfoResponse, type WalletResponse } from './types.js';
import { isUserName, parseNewUsers, type UserDefaults } from './users.js';
import { parseCommand, readBody, stringField, type Fields } from './validation.js';

/**
 * Routes each request to its user's actor, which hands it to the store in the user's turn.
 * Checks only what routing needs (the body is an object naming a user) and decides nothing about
 * money: the rules do, inside the store.
 */
export class Supervisor {
  /** The actors of the users with work under way; an idle user has none. */
  readonly #actors = new Map<string, UserActor>();
  /** For a store that answers later: the latest request naming each transaction id, until it is answered. */
  readonly #claims = new Map<string, Promise<WalletResponse>>();
  readonly #store: Store;
  readonly #defaults: UserDefaults;
  readonly #forget = (actor: UserActor): void => {
    if (this.#actors.get(actor.user) === actor) this.#actors.delete(actor.user);
  };
  #stopped = false;
  #closed: Promise<void> | undefined;

  constructor(store: Store, defaults: UserDefaults) {
    this.#store = store;
    this.#defaults = defaults;
  }

  /** Creates the new users of a list (names or `{ user, currency?, balance? }`); resolves when they are stored. */
  createUsers(users: unknown): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const parsed = parseNewUsers(users, this.#defaults);
    return parsed.length === 0 ? Promise.resolve() : this.#store.createUsers(parsed);
  }

  /** Checks 1 to 4, then hands the request to its user's actor. Never rejects. */
  handle(operation: Operation, body: unknown): Promise<WalletResponse> {
    return this.#store.release(this.#route(operation, body));
  }

  /** Disables or enables a user in the user's turn; false for an unknown user or a stopped engine. */
  setUserDisabled(user: string, disabled: boolean): Promise<boolean> {
    if (this.#stopped || typeof user !== 'string' || !isUserName(user) || !this.#store.mayExist(user)) return Promise.resolve(false);
    return this.#send(user, () => this.#store.setUserDisabled(user, disabled));
  }

  /**
   * Runs an operator's task for `user` in the user's turn, after the requests sent before it;
   * resolves to `undefined` without running it for a name no user can have, or once stopped.
   */
  operate<T>(user: string, task: () => Promise<T>): Promise<T | undefined> {
    if (this.#stopped || typeof user !== 'string' || !isUserName(user) || !this.#store.mayExist(user)) return Promise.resolve(undefined);
    return this.#send(user, task);
  }

  /** Hub88's `POST /user/info`: checks 1 and 2, then the user's info. Records nothing; never rejects. */
  async userInfo(body: unknown): Promise<UserInfoResponse> {
    const fields = readBody(body);
    if (fields === undefined) return unknownUser(Status.WRONG_SYNTAX, '', '');
    const user = fields.get('user');
    const requestUuid = stringField(fields, 'request_uuid');
    const unknown = unknownUser(Status.UNKNOWN, stringField(fields, 'user'), requestUuid);
    if (this.#stopped || typeof user !== 'string' || !isUserName(user) || !this.#store.mayExist(user)) return unknown;
    try {
      const info = await this.#store.userInfo(user);
      return info === undefined ? unknown : infoResponse(user, Status.OK, requestUuid, info);
    } catch {
      return unknown; // the store cannot be read now: answered like any request it cannot judge
    }
  }

  /** Refuses new requests, waits for every request already sent to be answered, then closes the store. Idempotent. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#closed ??= (async () => {
      for (let actor = first(this.#actors); actor !== undefined; actor = first(this.#actors)) {
        await actor.drained();
        this.#forget(actor);
      }
      await this.#store.close();
    })();
    return this.#closed;
  }

  #route(operation: Operation, body: unknown): Promise<WalletResponse> {
    const fields = readBody(body);
    if (fields === undefined) return Promise.resolve(unknownUser(Status.WRONG_SYNTAX, '', ''));
    const user = fields.get('user');
    const requestUuid = stringField(fields, 'request_uuid');
    // A synchronous store tells an unknown user in serve() with the same answer, so the hot path
    // looks the user up once, not twice. A name no user can have never reaches a store.
    if (typeof user !== 'string' || !isUserName(user) || (!this.#store.synchronous && !this.#store.mayExist(user))) {
      return Promise.resolve(unknownUser(Status.UNKNOWN, stringField(fields, 'user'), requestUuid));
    }
    // A stopped engine reads no state: its store may have let go of its files or connections.
    if (this.#stopped) return Promise.resolve(unknownUser(Status.UNKNOWN, user, requestUuid));
    const request = storeRequest(operation, fields);
    if (request.operation === 'balance' || request.operation === 'refused' || this.#store.synchronous) return this.#send(user, () => this.#store.serve(user, request, requestUuid));
    // The request takes its user's turn now, and in that turn first waits for every request that
    // arrived before it naming one of its ids: so requests sharing an id are judged in arrival
    // order, across users, as a synchronous store judges them. Every wait is for an earlier
    // arrival, so no two requests ever wait for each other.
    const ids = request.operation === 'win' || request.operation === 'rollback' ? [request.transactionUuid, request.referenceUuid] : [request.transactionUuid];
    const earlier = ids.flatMap((id) => this.#claims.get(id) ?? []);
    const answer = this.#send(user, async () => {
      if (earlier.length > 0) await Promise.all(earlier);
      return this.#store.serve(user, request, requestUuid);
    });
    for (const id of ids) this.#claims.set(id, answer);
    void answer.then(() => {
      for (const id of ids) if (this.#claims.get(id) === answer) this.#claims.delete(id);
    });
    return answer;
  }

  /**
   * Runs `task` in the user's turn. An idle user's turn is now: the task runs at once, with no
   * actor or queue, and only a result that comes later makes an actor for the user's next tasks
   * to wait behind; the actor is let go once it has no work waiting.
   */
  #send<T>(user: string, task: () => T | PromiseLike<T>): Promise<T> {
    const actor = this.#actors.get(user);
    if (actor !== undefined) return actor.send(task);
    let result: T | PromiseLike<T>;
    try {
      result = task();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (typeof (result as { then?: unknown } | null)?.then !== 'function') return Promise.resolve(result as T);
    const waiting = new UserActor(user, this.#forget);
    const adopted = waiting.adopt(result as PromiseLike<T>);
    this.#actors.set(user, waiting);
    return adopted;
  }
}

/** What a request asks of the store, once checks 1 to 4 are done. */
function storeRequest(operation: Operation, fields: Fields): StoreRequest {
  if (operation === 'balance') return { operation, token: fields.get('token') };
  const command = parseCommand(operation, fields);
  return typeof command === 'string' ? { operation: 'refused', status: command } : command;
}

function first<K, V>(map: ReadonlyMap<K, V>): V | undefined {
  for (const value of map.values()) return value;
  return undefined;
}
