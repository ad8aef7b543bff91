import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, Status, type WalletResponse } from '../../lib/index.js';
import { CRASH_USERS, crashWorkload, disabledIn, REQUESTS_PER_CYCLE } from './crash/workload.js';
import { seededRandom, uuid } from '../support/helpers.js';
import { SEED } from '../support/model/arbitraries.js';
import { ReferenceWallet } from '../support/model/reference-wallet.js';

/** Kill/restart cycles: a few in `npm test`, many in `npm run test:crash`. */
const CYCLES = Number(process.env.EXWALLET_CRASH_CYCLES ?? 3);
const WORKER = fileURLToPath(new URL('crash/worker.ts', import.meta.url));

/** Runs one cycle in a child process and SIGKILLs it once `killAfter` responses were released. */
function runUntilKilled(directory: string, cycle: number, killAfter: number): Promise<Map<number, WalletResponse>> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, directory, String(SEED), String(cycle)], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged = new Map<number, WalletResponse>();
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'done') continue;
      const { index, response } = JSON.parse(line) as { index: number; response: WalletResponse };
      acknowledged.set(index, response);
      if (acknowledged.size === killAfter) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve) => child.on('exit', () => resolve(acknowledged)));
}

describe('no acknowledged transaction, deposit or withdrawal is lost when the process is killed', () => {
  it(`survives ${CYCLES} SIGKILLs at random moments with every acknowledged response intact`, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-crash-'));
    const random = seededRandom(SEED);
    const model = new ReferenceWallet();
    model.createUsers(CRASH_USERS);
    try {
      for (let cycle = 0; cycle < CYCLES; cycle += 1) {
        const requests = crashWorkload(SEED, cycle);
        const acknowledged = await runUntilKilled(directory, cycle, 50 + Math.floor(random() * (REQUESTS_PER_CYCLE - 100)));
        const w = start({ journal: directory, snapshotEvery: 700 });
        // The journal holds a prefix of what was applied: advance the model over the same prefix.
        let applied = 0;
        while (model.transactions.size < (w.transactionCount ?? 0) && applied < requests.length) {
          const { operation, body } = requests[applied++] as (typeof requests)[number];
          model.call(operation, body);
        }
        expect(model.transactions.size).toBe(w.transactionCount);
        // The user disabled for this cycle is still disabled: a bet past any balance tells
        // RS_ERROR_USER_DISABLED from RS_ERROR_NOT_ENOUGH_MONEY, and records nothing.
        for (const [i, user] of CRASH_USERS.entries()) {
          const probe = { user, transaction_uuid: uuid(0xb0b000000000 + cycle * 16 + i), request_uuid: uuid(0), currency: 'USD', amount: Number.MAX_SAFE_INTEGER };
          expect(JSON.stringify(await w.bet(probe))).toBe(JSON.stringify(model.call('bet', probe)));
        }
        for (const user of CRASH_USERS) {
          const response = await w.balance({ user, request_uuid: '' });
          expect('balance' in response ? response.balance : undefined).toBe(model.balances.get(user));
        }
        const total = [...model.balances.values()].reduce((sum, balance) => sum + BigInt(balance), 0n);
        expect(total).toBe(BigInt(CRASH_USERS.length * 100_000) + model.moved());
        // Every transaction acknowledged as done is still done, with the very same answer.
        for (const [index, response] of acknowledged) {
          if (response.status !== Status.OK) continue;
          const { operation, body } = requests[index] as (typeof requests)[number];
          const replay = await w.handle(operation, { ...body, request_uuid: '00000000-0000-4000-8000-000000000000' });
          expect(JSON.stringify(replay)).toBe(JSON.stringify(response));
        }
        expect(w.transactionCount).toBe(model.transactions.size);
        // The operator disables the next cycle's user and enables this cycle's again.
        const changes: Array<[string, boolean]> = [[disabledIn(cycle + 1), true]];
        if (cycle > 0) changes.push([disabledIn(cycle), false]);
        for (const [user, disabled] of changes) {
          expect(await w.setUserDisabled(user, disabled)).toBe(model.setUserDisabled(user, disabled));
        }
        await w.stop();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
