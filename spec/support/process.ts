import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../lib/bin.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A running `exwallet` process and what it has written so far. */
export class Service {
  stdout = '';
  stderr = '';
  /** Resolves with the exit code (or the signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The service's own pid, from its banner (for `npm start` it is not the child's). */
  pid: number | undefined;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves when standard output (or error) matches, rejects if the process exits first. */
  async output(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this[stream]);
        if (match === null) return;
        this.child[stream].off('data', check);
        resolve(match);
      };
      this.child[stream].on('data', check);
      void this.exited.then(({ code }) => reject(new Error(`exited with ${String(code)} before printing ${pattern}: ${this.stdout}${this.stderr}`)));
      check();
    });
  }

  /** Waits for the banner (on standard error: standard output is the JSON log); answers the service's address. */
  async listening(): Promise<{ url: string; host: string; port: number }> {
    const match = await this.output(/listening on (http:\/\/([\d.]+):(\d+))(?: \(pid (\d+)\))?/, 'stderr');
    if (match[4] !== undefined) this.pid = Number(match[4]);
    return { url: match[1] as string, host: match[2] as string, port: Number(match[3]) };
  }

  /** Kills whatever is left, for clean-up after a failed test. */
  kill(): void {
    this.child.kill('SIGKILL');
    if (this.pid !== undefined && this.pid !== this.child.pid) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

const ENV = { ...process.env, NODE_OPTIONS: '' };

/** Starts `lib/bin.ts` with these arguments. */
export function exwallet(args: readonly string[], env: NodeJS.ProcessEnv = {}): Service {
  return new Service(spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, env: { ...ENV, ...env } }));
}

/** Starts `npm start -- <args>` in the repository. */
export function npmStart(args: readonly string[]): Service {
  return new Service(spawn('npm', ['start', '--', ...args], { cwd: ROOT, env: ENV }));
}

/** A connected raw socket that collects what it receives. */
export interface RawSocket {
  readonly socket: Socket;
  received(): string;
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
}

export async function rawSocket(port: number, host = '127.0.0.1'): Promise<RawSocket> {
  const socket = connect(port, host);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  // A reset counts as a close; the test looks at what was received.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed };
}

/** Resolves once the socket has received this much (or rejects when it closes first). */
export async function receivedMatching(raw: RawSocket, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(raw.received())) return;
      raw.socket.off('data', check);
      resolve(raw.received());
    };
    raw.socket.on('data', check);
    void raw.closed.then(() => (pattern.test(raw.received()) ? resolve(raw.received()) : reject(new Error(`closed after receiving ${JSON.stringify(raw.received())}`))));
    check();
  });
}

/** An HTTP/1.1 POST with a JSON body, as raw text. */
export function rawPost(path: string, body: unknown, headers: Record<string, string> = {}): string {
  const payload = JSON.stringify(body);
  const lines = [`POST ${path} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}
