/**
 * The production start as the operator runs it from an installed package: the `exwallet` bin,
 * `node node_modules/exwallet/dist/bin.js`, or either behind `exec` in a script. SIGTERM sent to
 * the process that command started (what a supervisor or a container stop does) reaches the
 * service, which answers the request it is reading and exits 0.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { Status } from '../../../lib/index.js';
import { betBody, Ids } from '../../support/helpers.js';
import { rawSocket, receivedMatching, ROOT, Service } from '../../support/process.js';
import { within } from '../pg/services.js';

let project: string;

/**
 * An operator's project with exwallet installed: `node_modules/exwallet` holds the package's
 * package.json and `dist/` (lib/ compiled file by file, as `npm run build` emits it), its `bin`
 * linked in `node_modules/.bin`, and the dependencies beside it.
 */
function install(): string {
  const root = mkdtempSync(join(tmpdir(), 'exwallet-install-'));
  const modules = join(root, 'node_modules');
  const pkg = join(modules, 'exwallet');
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  const compile = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, 'lib', dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) compile(path);
      else if (entry.name.endsWith('.ts')) {
        const out = join(pkg, 'dist', path.replace(/\.ts$/, '.js'));
        mkdirSync(dirname(out), { recursive: true });
        const source = readFileSync(join(ROOT, 'lib', path), 'utf8');
        writeFileSync(out, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText);
      }
    }
  };
  compile('.');
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '.bin' && entry !== 'exwallet') symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  const bin = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: { exwallet: string } }).bin.exwallet;
  chmodSync(join(pkg, bin), 0o755);
  mkdirSync(join(modules, '.bin'));
  symlinkSync(relative(join(modules, '.bin'), join(pkg, bin)), join(modules, '.bin', 'exwallet'));
  return root;
}

beforeAll(() => {
  project = install();
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

let service: Service | undefined;
afterEach(() => {
  service?.kill();
  service = undefined;
});

const ARGS = ['--no-verify', '--in-memory', '--port', '0', '--demo-users', '1', '--log-level', 'warn'];
const ENV = { ...process.env, NODE_OPTIONS: '', PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

describe('SIGTERM to the process the production command starts drains the service and exits 0', () => {
  it.each<[string, string, string[]]>([
    ['./node_modules/.bin/exwallet', './node_modules/.bin/exwallet', ARGS],
    ['node node_modules/exwallet/dist/bin.js', process.execPath, ['node_modules/exwallet/dist/bin.js', ...ARGS]],
    ['exec ./node_modules/.bin/exwallet in a shell script', '/bin/sh', ['-c', `exec ./node_modules/.bin/exwallet ${ARGS.join(' ')}`]],
  ])('%s', async (_, command, args) => {
    service = new Service(spawn(command, args, { cwd: project, env: ENV }));
    const { port } = await within(30_000, 'the banner', service.listening(), service);
    // The banner's pid is the process the command started: nothing sits between it and a signal.
    expect(service.pid).toBe(service.child.pid);

    const bet = JSON.stringify(betBody(new Ids(), { user: 'demo-1', amount: 700 }));
    const inFlight = await rawSocket(port);
    inFlight.socket.write(`POST /transaction/bet HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${Buffer.byteLength(bet)}\r\n\r\n${bet.slice(0, 20)}`);
    // The request has begun once the service answers another connection after it.
    expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);

    service.child.kill('SIGTERM');
    await within(10_000, 'the shutdown to begin', service.output(/Received SIGTERM; closing/, 'stderr'), service);
    inFlight.socket.write(bet.slice(20));
    const answer = await receivedMatching(inFlight, /\r\n\r\n.*\}$/s);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: Status.OK, balance: 99_300 });
    expect(await within(15_000, 'the exit', service.exited, service)).toEqual({ code: 0, signal: null });
    expect(service.stderr).toContain('Closed');
  });
});
