import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, Status } from '../../../lib/index.js';
import { betBody, Ids } from '../../support/helpers.js';

let first: string;
let second: string;
beforeEach(() => {
  first = mkdtempSync(join(tmpdir(), 'exwallet-stopped-'));
  second = mkdtempSync(join(tmpdir(), 'exwallet-other-'));
});
afterEach(() => {
  rmSync(first, { recursive: true, force: true });
  rmSync(second, { recursive: true, force: true });
});

describe('a stopped engine touches no file again', () => {
  it("stopping twice and a snapshot after stop leave another engine's journal intact", async () => {
    const ids = new Ids();
    const a = start({ journal: first });
    await a.createUsers(['alice']);
    expect((await a.bet(betBody(ids))).status).toBe(Status.OK);
    await a.stop();
    // B opens its journal now: it may get the descriptor number A's journal had.
    const b = start({ journal: second });
    await b.createUsers(['bob']);
    await a.stop();
    // A no-op or a clear rejection: either way, no file is touched.
    const late = await a.journal?.snapshot().then(
      () => undefined,
      (error: Error) => error,
    );
    await a.stop();
    const placed = await Promise.all(Array.from({ length: 5 }, () => b.bet(betBody(ids, { user: 'bob', amount: 10 }))));
    expect(placed.map((response) => response.status)).toEqual(Array(5).fill(Status.OK));
    await b.stop();
    const again = start({ journal: second });
    expect(again.transactionCount).toBe(5);
    expect(await again.balance({ user: 'bob', request_uuid: '' })).toMatchObject({ balance: 99_950 });
    await again.stop();
    expect(late?.message).toMatch(/stopped/);
    expect(readdirSync(first)).toEqual(['journal-000000.log']);
  });
});
