import { Mailbox } from './mailbox.js';

/**
 * One user's turn-taker: its mailbox runs the user's requests one at a time, in arrival order,
 * so that no request of the user sees another half done. The state itself lives in the store;
 * an actor exists only while its user has work under way.
 */
export class UserActor {
  readonly user: string;
  readonly #mailbox: Mailbox;

  /** `onIdle` is called once the actor has no work waiting, so the supervisor can let it go. */
  constructor(user: string, onIdle: (actor: UserActor) => void) {
    this.user = user;
    this.#mailbox = new Mailbox(() => onIdle(this));
  }

  /** True while no request of the user is running or waiting. */
  get idle(): boolean {
    return this.#mailbox.idle;
  }

  /** Runs `task` in the user's turn, after every task sent before it has settled. */
  send<T>(task: () => T | PromiseLike<T>): Promise<T> {
    return this.#mailbox.run(task);
  }

  /** Makes `running`, a task of the user's already started, the one every later task waits for. */
  adopt<T>(running: PromiseLike<T>): Promise<T> {
    return this.#mailbox.adopt(running);
  }

  /** Resolves once every request sent so far has been answered. */
  drained(): Promise<void> {
    return this.#mailbox.drained();
  }
}
