import { closeSync, fdatasync, openSync, write } from 'node:fs';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const syncAsync = promisify(fdatasync);

/**
 * An append-only file with group commit: lines appended during one event-loop turn (and any
 * that arrive while a write is under way) go out in one write and one `fdatasync`.
 * {@link durable} tells when everything appended so far is on disk. After a failed write every
 * later {@link durable} rejects: the log never claims durability it cannot give.
 */
export class AppendLog {
  readonly path: string;
  readonly #fd: number;
  #lines: string[] = [];
  #waiting: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;
  #writing: Promise<void>;
  #busy = false;
  #failure: Error | undefined;
  #commits = 0;

  /** Opens `path` for appending; its first write waits for `after` (an earlier log's last write). */
  constructor(path: string, after: Promise<void> = Promise.resolve()) {
    this.path = path;
    this.#fd = openSync(path, 'a');
    this.#writing = after;
  }

  /** Writes done so far, each followed by one `fdatasync`. */
  get commits(): number {
    return this.#commits;
  }

  append(line: string): void {
    this.#lines.push(line);
    if (this.#waiting === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // a failure is reported through durable()
      this.#waiting = { promise, resolve, reject };
      setImmediate(() => this.#flush());
    }
  }

  /** Resolves once every line appended so far is on disk. */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return this.#waiting?.promise ?? this.#writing;
  }

  /** Waits for every appended line to be on disk, then closes the file. */
  async close(): Promise<void> {
    try {
      await this.durable();
    } finally {
      closeSync(this.#fd);
    }
  }

  #flush(): void {
    if (this.#busy || this.#waiting === undefined) return;
    const waiting = this.#waiting;
    const data = Buffer.from(this.#lines.join(''));
    this.#waiting = undefined;
    this.#lines = [];
    this.#busy = true;
    this.#writing = this.#writing.then(() => this.#writeAll(data));
    this.#writing.then(
      () => {
        this.#busy = false;
        waiting.resolve();
        this.#flush(); // lines that arrived during the write
      },
      (error: Error) => {
        this.#failure = error;
        waiting.reject(error);
        this.#waiting?.reject(error);
      },
    );
  }

  async #writeAll(data: Buffer): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    await writeFully(this.#fd, data);
    await syncAsync(this.#fd);
    this.#commits += 1;
  }
}

/** Writes all of `data` at the file's position, however many `write` calls the system needs. */
export async function writeFully(fd: number, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) written += (await writeAsync(fd, data, written, data.length - written, null)).bytesWritten;
}
