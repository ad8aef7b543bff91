import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { Status } from '../lib/types.js';

const QUICKSTART = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));

describe('npm run example shows every status the wallet answers', () => {
  test('the quickstart prints each Status value at least once', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', QUICKSTART], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const shown = new Set(stdout.match(/\bRS_[A-Z_]+/g));
    expect(Object.values(Status).filter((status) => !shown.has(status))).toEqual([]);
  });
});
