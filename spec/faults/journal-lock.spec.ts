import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { JournalLockedError, start, Status, type Wallet } from '../../lib/index.js';
import { betBody, Ids } from '../support/helpers.js';

const HOLDER = fileURLToPath(new URL('crash/lock-holder.ts', import.meta.url));

let directory: string;
let open: Wallet[] = [];
let children: Array<ChildProcessByStdio<Writable, Readable, null>> = [];
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exwallet-lock-'));
});
afterEach(async () => {
  for (const w of open) await w.stop();
  open = [];
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
  rmSync(directory, { recursive: true, force: true });
});

function durable(): Wallet {
  const w = start({ journal: directory });
  open.push(w);
  return w;
}

interface Holder {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  /** The first line the child printed: it holds the directory, or was refused. */
  readonly said: { pid?: number; refused?: string; name?: string };
  readonly exited: Promise<void>;
}

/** Starts a process that serves `directory`, and waits until it holds it or was refused. */
async function holder(): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, directory], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const said = await new Promise<Holder['said']>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(JSON.parse(output.slice(0, output.indexOf('\n'))) as Holder['said']);
    });
    child.on('exit', () => reject(new Error(`the holder exited without a word: ${output}`)));
  });
  return { child, said, exited };
}

describe('a data directory is served by one engine at a time', () => {
  it('refuses a second engine in the same process, naming this pid, and frees the directory on stop', async () => {
    const first = durable();
    let refusal: unknown;
    try {
      start({ journal: directory });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(JournalLockedError);
    expect((refusal as JournalLockedError).pid).toBe(process.pid);
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);
    // The refused start touched nothing: the first engine's journal serves on.
    await first.createUsers(['alice']);
    expect((await first.bet(betBody(new Ids()))).status).toBe(Status.OK);
    await first.stop();
    await first.stop();
    open = [];
    const second = durable();
    expect(await second.balance({ user: 'alice', request_uuid: '' })).toMatchObject({ balance: 99_900 });
  });

  it('refuses an engine while another process holds the directory, naming its pid', async () => {
    const other = await holder();
    expect(other.said.pid).toBe(other.child.pid);
    expect(() => start({ journal: directory })).toThrow(new RegExp(`in use by process ${other.child.pid as number}\\b`));
    other.child.stdin.end();
    await other.exited;
    expect(existsSync(join(directory, 'exwallet.lock'))).toBe(false);
    const w = durable();
    expect(w.userCount).toBe(1);
  });

  it('refuses another process while this one holds the directory, naming this pid', async () => {
    durable();
    const other = await holder();
    expect(other.said).toMatchObject({ name: 'JournalLockedError' });
    expect(other.said.refused).toContain(`in use by process ${process.pid}`);
    await other.exited;
    expect(other.child.exitCode).toBe(1);
  });

  it('takes over at once the directory of a process killed with SIGKILL', async () => {
    const other = await holder();
    expect(existsSync(join(directory, 'exwallet.lock'))).toBe(true);
    other.child.kill('SIGKILL');
    await other.exited;
    // Immediately: the lock file is still there, and it names a process that is gone.
    expect(existsSync(join(directory, 'exwallet.lock'))).toBe(true);
    const w = durable();
    expect(w.userCount).toBe(1);
    // And the directory is held again: a second engine is refused.
    expect(() => start({ journal: directory })).toThrow(JournalLockedError);
  });
});
