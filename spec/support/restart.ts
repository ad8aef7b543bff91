/**
 * Engines that can be restarted on the state they kept, for the contract suite's restart tests:
 * on PostgreSQL a second engine on the same schema; everywhere else a journal directory (the
 * memory project restarts on a journal too, as a store kept only in memory has nothing to restart on).
 */
import { afterAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start as startEngine, type Wallet, type WalletOptions } from '../../lib/index.js';
import { testServerUrl } from '../../test-support/postgres.js';
import { STORE } from './stores.js';

/** The store restart tests run on in this jest project. */
export const RESTART_STORE: 'journal' | 'postgres' = STORE === 'postgres' ? 'postgres' : 'journal';

/** Options of a restartable engine: any but where the state lives, which this module chooses. */
export type RestartOptions = Omit<WalletOptions, 'journal' | 'database' | 'store'>;

export interface Restartable {
  /** The engine now serving. */
  readonly w: Wallet;
  /** Stops the engine now serving and starts another on the same state (same options unless given); resolves to it. */
  restart(options?: RestartOptions): Promise<Wallet>;
}

const running = new Set<Wallet>();
const directories: string[] = [];
afterAll(async () => {
  await Promise.all([...running].map((w) => w.stop()));
  running.clear();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** An engine on a fresh journal directory or PostgreSQL schema of its own, which `restart` reopens. */
export function startRestartable(options: RestartOptions = {}): Restartable {
  let place: Pick<WalletOptions, 'journal' | 'database'>;
  if (RESTART_STORE === 'journal') {
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-restart-'));
    directories.push(directory);
    place = { journal: directory };
  } else {
    place = { database: { url: testServerUrl(), schema: `restart_${randomBytes(8).toString('hex')}`, poolSize: 2 } };
  }
  const open = (settings: RestartOptions): Wallet => {
    const w = startEngine({ ...settings, ...place });
    running.add(w);
    return w;
  };
  let current = open(options);
  return {
    get w() {
      return current;
    },
    async restart(settings = options) {
      await current.stop();
      running.delete(current);
      current = open(settings);
      return current;
    },
  };
}
