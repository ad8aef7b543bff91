/**
 * A fresh data directory for each test and the engines opened on it: every engine still open is
 * stopped, and the directory removed, after each test. Call at the top level of a spec file.
 */
import { afterEach, beforeEach } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, type Wallet, type WalletOptions } from '../../lib/index.js';

export interface JournalDirectory {
  /** This test's directory. */
  readonly path: string;
  /** Starts an engine journaling to the directory (plus `options`); stopped after the test. */
  open(options?: Omit<WalletOptions, 'journal'>): Wallet;
  /** Stops an engine so that its directory can be reopened or tampered with. */
  shutDown(w: Wallet): Promise<void>;
  /** Stops an engine and opens the directory again. */
  restart(w: Wallet, options?: Omit<WalletOptions, 'journal'>): Promise<Wallet>;
}

export function journalDirectory(name: string): JournalDirectory {
  let path = '';
  let open: Wallet[] = [];
  beforeEach(() => {
    path = mkdtempSync(join(tmpdir(), `exwallet-${name}-`));
  });
  afterEach(async () => {
    for (const w of open) await w.stop();
    open = [];
    rmSync(path, { recursive: true, force: true });
  });
  const directory: JournalDirectory = {
    get path() {
      return path;
    },
    open(options = {}) {
      const w = start({ ...options, journal: path });
      open.push(w);
      return w;
    },
    async shutDown(w) {
      await w.stop();
      open = open.filter((other) => other !== w);
    },
    async restart(w, options = {}) {
      await directory.shutDown(w);
      return directory.open(options);
    },
  };
  return directory;
}
