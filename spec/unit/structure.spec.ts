import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const LIB = join(process.cwd(), 'lib');
const MADGE = join(dirname(createRequire(join(process.cwd(), 'package.json')).resolve('madge/package.json')), 'bin', 'cli.js');

/** madge's answer over lib/ (type-only imports count: they tie modules together as much). */
function madge(...flags: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, [MADGE, '--json', '--extensions', 'ts', ...flags, LIB], { encoding: 'utf8' }));
}

describe('dependencies in lib/ point one way: the engine knows the seam, not the stores behind it', () => {
  const graph = madge() as Record<string, string[]>;

  it('lib/ has no import cycle', () => {
    expect(madge('--circular')).toEqual([]);
  });

  it('the wallet module imports no concrete store', () => {
    const concrete = (graph['wallet.ts'] ?? []).filter((file) => /^(memory-store|registry)\.ts$|^(journal|pg)\/|^stores\/(?!index\.ts$)/.test(file));
    expect(graph['wallet.ts']).toContain('stores/index.ts');
    expect(concrete).toEqual([]);
  });

  it('the shapes of requests and responses (types.ts) import nothing', () => {
    expect(graph['types.ts']).toEqual([]);
  });
});
