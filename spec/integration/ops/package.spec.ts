/**
 * What the published package holds for whoever installs it: a licence, no source maps into
 * sources it does not ship, and types that every TypeScript module resolution finds.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { ROOT } from '../../support/process.js';

interface PackageJson {
  readonly files: readonly string[];
  readonly exports: Readonly<Record<string, unknown>>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

describe('the package ships its licence: MIT, Copyright (c) 2026 Exwallet contributors', () => {
  it('has a LICENSE file that npm packs', async () => {
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toContain('Copyright (c) 2026 Exwallet contributors');
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    expect(packed?.files.map((file) => file.path)).toContain('LICENSE');
  });
});

describe('the build emits no source map pointing at sources the package does not ship', () => {
  it('maps nothing unless lib/ is shipped', () => {
    const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    const maps = ['sourceMap', 'declarationMap', 'inlineSourceMap'].filter((option) => compilerOptions[option] === true);
    expect({ maps, shipsSources: pkg.files.includes('lib') }).toEqual({ maps: [], shipsSources: false });
  });
});

describe('every entry point of the package resolves to its types under each TypeScript module resolution, node10 included', () => {
  const installed = '/consumer/node_modules/exwallet';
  /**
   * The consumer's file system: the package installed at {@link installed}, its built
   * declarations standing for the sources they are emitted from (dist/x.d.ts from lib/x.ts).
   */
  const host: ts.ModuleResolutionHost = {
    fileExists: (path) => {
      if (path === `${installed}/package.json`) return true;
      if (!path.startsWith(`${installed}/dist/`) || !path.endsWith('.d.ts')) return false;
      return existsSync(join(ROOT, 'lib', relative(`${installed}/dist`, path).replace(/\.d\.ts$/, '.ts')));
    },
    readFile: (path) => (path === `${installed}/package.json` ? readFileSync(join(ROOT, 'package.json'), 'utf8') : undefined),
    directoryExists: (path) => installed.startsWith(path) || path.startsWith(installed),
  };
  const entries = Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => [key === '.' ? 'exwallet' : `exwallet/${key.slice(2)}`, `${installed}/dist/${key === '.' ? '' : `${key.slice(2)}/`}index.d.ts`] as const);

  it.each([
    ['node10', ts.ModuleResolutionKind.Node10, ts.ModuleKind.CommonJS],
    ['node16', ts.ModuleResolutionKind.Node16, ts.ModuleKind.Node16],
    ['nodenext', ts.ModuleResolutionKind.NodeNext, ts.ModuleKind.NodeNext],
    ['bundler', ts.ModuleResolutionKind.Bundler, ts.ModuleKind.ESNext],
  ])('moduleResolution %s', (_, moduleResolution, module) => {
    expect(entries.map(([specifier]) => specifier)).toEqual(expect.arrayContaining(['exwallet', 'exwallet/http']));
    for (const [specifier, types] of entries) {
      const { resolvedModule } = ts.resolveModuleName(specifier, '/consumer/index.ts', { moduleResolution, module }, host);
      expect({ specifier, resolved: resolvedModule?.resolvedFileName }).toEqual({ specifier, resolved: types });
    }
  });
});
