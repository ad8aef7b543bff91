import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalSettingsError, start, Status } from '../../../lib/index.js';
import { encodeRecord } from '../../../lib/journal/format.js';
import { betBody, Ids } from '../../support/helpers.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'exwallet-settings-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** The error `start` throws for the directory with these options, or undefined if it starts. */
function refusal(options: { currency?: string; initialBalance?: number }): unknown {
  try {
    const w = start({ journal: directory, ...options });
    void w.stop();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('a journal is reopened only with the settings it was written with', () => {
  it('refuses an EUR journal reopened with the defaults, after a snapshot, and serves it with its own', async () => {
    const ids = new Ids();
    const w = start({ journal: directory, currency: 'EUR', initialBalance: 5_000 });
    await w.createUsers(['alice']);
    const bet = betBody(ids, { currency: 'EUR' });
    const placed = await w.bet(bet);
    await w.journal?.snapshot();
    await w.stop();
    const error = refusal({});
    expect(error).toBeInstanceOf(JournalSettingsError);
    expect((error as JournalSettingsError).differences).toEqual([
      { setting: 'currency', journal: 'EUR', requested: 'USD' },
      { setting: 'initialBalance', journal: 5_000, requested: 100_000 },
    ]);
    expect((error as Error).message).toMatch(/currency "EUR" \(started with "USD"\), initialBalance 5000 \(started with 100000\)/);
    expect(refusal({ currency: 'EUR' })).toBeInstanceOf(JournalSettingsError);
    const again = start({ journal: directory, currency: 'EUR', initialBalance: 5_000 });
    expect(JSON.stringify(await again.bet(bet))).toBe(JSON.stringify(placed));
    expect(placed).toMatchObject({ status: Status.OK, currency: 'EUR', balance: 4_900 });
    await again.stop();
  });

  it('refuses other settings for a journal that has no snapshot yet', async () => {
    const w = start({ journal: directory, initialBalance: 7 });
    await w.createUsers(['alice']);
    await w.stop();
    expect(refusal({})).toMatchObject({ name: 'JournalSettingsError', differences: [{ setting: 'initialBalance', journal: 7, requested: 100_000 }] });
  });

  it('reads a journal written before settings were recorded, and records them from then on', async () => {
    writeFileSync(join(directory, 'journal-000000.log'), encodeRecord({ type: 'user', user: 'alice', balance: 100_000 }));
    const w = start({ journal: directory, currency: 'EUR' });
    expect(w.userCount).toBe(1);
    await w.stop();
    expect(readFileSync(join(directory, 'journal-000000.log'), 'utf8')).toContain('{"type":"settings","currency":"EUR","initialBalance":100000}');
    expect(refusal({})).toBeInstanceOf(JournalSettingsError);
  });
});
