import { describe, expect, it } from '@jest/globals';
import { Mailbox } from '../../lib/mailbox.js';

/** A promise the test settles by hand, so order is controlled without timers. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('a mailbox runs its tasks one at a time, in arrival order', () => {
  it('runs a task at once when idle and stays idle after a synchronous task', async () => {
    const mailbox = new Mailbox();
    const log: string[] = [];
    const result = mailbox.run(() => {
      log.push('ran');
      return 1;
    });
    expect(log).toEqual(['ran']);
    expect(mailbox.idle).toBe(true);
    await expect(result).resolves.toBe(1);
  });

  it('holds later tasks behind an asynchronous one', async () => {
    const mailbox = new Mailbox();
    const gate = deferred<string>();
    const log: string[] = [];
    const first = mailbox.run(async () => {
      log.push('first started');
      const value = await gate.promise;
      log.push('first done');
      return value;
    });
    const second = mailbox.run(() => {
      log.push('second');
      return 2;
    });
    const third = mailbox.run(() => {
      log.push('third');
      return 3;
    });
    expect(mailbox.idle).toBe(false);
    await Promise.resolve();
    expect(log).toEqual(['first started']);
    gate.resolve('one');
    expect(await Promise.all([first, second, third])).toEqual(['one', 2, 3]);
    expect(log).toEqual(['first started', 'first done', 'second', 'third']);
    await mailbox.drained();
    expect(mailbox.idle).toBe(true);
  });

  it('rejects a failed task without blocking the ones behind it', async () => {
    const mailbox = new Mailbox();
    const gate = deferred<number>();
    const failed = mailbox.run(() => gate.promise);
    const next = mailbox.run(() => 'next');
    gate.reject(new Error('boom'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });

  it('rejects a task that throws synchronously', async () => {
    const mailbox = new Mailbox();
    await expect(
      mailbox.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(mailbox.idle).toBe(true);
  });

  it('resolves drained only after every queued task has settled', async () => {
    const mailbox = new Mailbox();
    const gate = deferred<void>();
    let done = false;
    void mailbox.run(() => gate.promise);
    void mailbox.run(() => {
      done = true;
    });
    const drained = mailbox.drained().then(() => done);
    gate.resolve();
    await expect(drained).resolves.toBe(true);
  });

  it('keeps mailboxes independent', async () => {
    const busy = new Mailbox();
    const free = new Mailbox();
    const gate = deferred<void>();
    void busy.run(() => gate.promise);
    await expect(free.run(() => 'not blocked')).resolves.toBe('not blocked');
    gate.resolve();
    await busy.drained();
  });
});
