import PQueue from 'p-queue';

/**
 * A user's mailbox: runs its tasks one at a time, in the order they arrive.
 *
 * An idle mailbox runs a task at once, and a task that finishes synchronously never touches a
 * queue. Only when a task goes asynchronous does the mailbox hold a p-queue (concurrency 1), so
 * that later tasks wait behind it; the queue is dropped again once it drains. Idle users thus
 * cost no queue at all, and the common synchronous path pays for no promise scheduling.
 */
export class Mailbox {
  #queue: PQueue | undefined;
  readonly #onIdle: (() => void) | undefined;

  /** `onIdle` is called each time the mailbox drops its queue, having run everything sent to it. */
  constructor(onIdle?: () => void) {
    this.#onIdle = onIdle;
  }

  /** True while no task is running or waiting. */
  get idle(): boolean {
    return this.#queue === undefined;
  }

  /** Resolves once every task sent so far has settled. */
  async drained(): Promise<void> {
    while (this.#queue !== undefined) await this.#queue.onIdle();
  }

  /** Runs `task` after every task sent before it has settled; resolves to its result. */
  run<T>(task: () => T | PromiseLike<T>): Promise<T> {
    if (this.#queue !== undefined) return this.#queue.add(async () => task());
    let result: T | PromiseLike<T>;
    try {
      result = task();
    } catch (error) {
      return Promise.reject(error);
    }
    return isPromiseLike(result) ? this.adopt(result) : Promise.resolve(result);
  }

  /**
   * Makes `task`, already running while this mailbox was idle, the task every later one waits
   * for; resolves to its result. A mailbox with work waiting cannot adopt one.
   */
  adopt<T>(task: PromiseLike<T>): Promise<T> {
    if (this.#queue !== undefined) throw new Error('only an idle mailbox can adopt a running task');
    const running = Promise.resolve(task);
    const queue = new PQueue({ concurrency: 1 });
    this.#queue = queue;
    // The first job stands for the task already running, so that later ones queue behind it.
    void queue.add(() => running.then(ignore, ignore));
    this.#dropWhenDrained(queue);
    return running;
  }

  #dropWhenDrained(queue: PQueue): void {
    void queue.onIdle().then(() => {
      if (this.#queue !== queue) return;
      // A task may have been added between the queue going idle and this callback.
      if (queue.size === 0 && queue.pending === 0) {
        this.#queue = undefined;
        this.#onIdle?.();
      } else {
        this.#dropWhenDrained(queue);
      }
    });
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function ignore(): void {}
