import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { Status } from '../../../lib/types.js';

const QUICKSTART = fileURLToPath(new URL('../../../examples/quickstart.ts', import.meta.url));

/** What `npm run example` prints. */
let stdout = '';
beforeAll(async () => {
  ({ stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', QUICKSTART], { env: { ...process.env, NODE_OPTIONS: '' } }));
});

/** The status printed on the line of the step that starts with `step`. */
function statusOf(step: string): string | undefined {
  const line = stdout.split('\n').find((text) => text.startsWith(step));
  return line?.match(/\bRS_[A-Z_]+/)?.[0];
}

describe('npm run example shows every status the wallet answers', () => {
  test('the quickstart prints each Status value at least once', () => {
    const shown = new Set(stdout.match(/\bRS_[A-Z_]+/g));
    expect(Object.values(Status).filter((status) => !shown.has(status))).toEqual([]);
  });

  test('it shows a session expire while its round is still paid, and a bet refused by a daily limit', () => {
    expect(statusOf('erin bets 1000 without a token')).toBe(Status.INVALID_TOKEN);
    expect(statusOf('the same bet with her session token')).toBe(Status.OK);
    expect(statusOf('ten minutes on, the session has expired')).toBe(Status.TOKEN_EXPIRED);
    expect(statusOf('her win is paid all the same')).toBe(Status.OK);
    expect(statusOf('with 1000 staked today, erin bets 400')).toBe(Status.OK);
    expect(statusOf('and 200 more: past her 1500 a day')).toBe(Status.LIMIT_REACHED);
    expect(statusOf('the operator closed the session; she bets')).toBe(Status.INVALID_TOKEN);
  });
});
