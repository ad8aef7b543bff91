import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, CHECKS, main } from '../../../lib/conform/index.js';
import { start } from '../../../lib/index.js';
import { exwallet, ROOT } from '../../support/process.js';
import { freePort } from '../../../test-support/postgres.js';
import { FAULTS } from './faults.js';
import { PLAYERS, serveWallet, type ServedWallet } from './wallets.js';

const HUB88_PRIVATE_FILE = fileURLToPath(new URL('../../fixtures/hub88-private.pem', import.meta.url));
const USERS = PLAYERS.join(',');
/** A tokens file of the wrong shape: a player's token is a number. */
const BAD_TOKENS_FILE = join(mkdtempSync(join(tmpdir(), 'exwallet-kit-tokens-')), 'tokens.json');
writeFileSync(BAD_TOKENS_FILE, JSON.stringify({ 'kit-alice': 42 }));
afterAll(() => rmSync(join(BAD_TOKENS_FILE, '..'), { recursive: true, force: true }));
const NOT_ENOUGH_MONEY_WITHOUT_BALANCE = FAULTS.find((fault) => fault.name === 'RS_ERROR_NOT_ENOUGH_MONEY carries no balance');

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** Serves a fresh exwallet with the two players (and a poor one), signed, with `fault` if given. */
async function served(fault?: (typeof FAULTS)[number]): Promise<ServedWallet> {
  const wallet = start();
  await wallet.createUsers([...PLAYERS, { user: 'kit-poor', balance: 99_999 }]);
  const wallet$ = await serveWallet(wallet, { signed: true, ...(fault === undefined ? {} : { fault }) });
  cleanups.push(() => wallet$.close());
  return wallet$;
}

/** Runs `exwallet conform` in this process; answers its exit code and what it wrote. */
async function conform(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: { write: (text: string) => (out += text) }, err: { write: (text: string) => (err += text) } });
  return { code, out, err };
}

/** Runs a command in the repository to its end. */
function run(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('exwallet conform exits 0 when nothing failed, 1 when a check failed, 2 for a usage error', () => {
  it('from the command line: a failed check is exit 1 with its evidence, and --json and --junit hold every check', async () => {
    const wallet = await served(NOT_ENOUGH_MONEY_WITHOUT_BALANCE);
    const directory = mkdtempSync(join(tmpdir(), 'exwallet-kit-cli-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const [json, junit] = [join(directory, 'report.json'), join(directory, 'report.xml')];

    const service = exwallet(['conform', '--url', wallet.url, '--users', USERS, '--key', HUB88_PRIVATE_FILE, '--duration', '0.3', '--json', json, '--junit', junit]);
    const { code } = await service.exited;

    expect(code).toBe(1);
    const lines = service.stdout.split('\n');
    expect(lines.filter((line) => /^\S+\s+(PASS|FAIL|SKIP)\b/.test(line))).toHaveLength(CHECKS.length);
    const failure = lines.findIndex((line) => /^errors\.not-enough-money\s+FAIL /.test(line));
    expect(lines.slice(failure + 1, failure + 5)).toEqual([
      expect.stringMatching(/^ {4}sent: POST \/transaction\/bet \(signed\) \{"user":"kit-alice",.*"amount":100001\}$/),
      expect.stringMatching(/^ {4}came back: HTTP 200 \{"user":"kit-alice","status":"RS_ERROR_NOT_ENOUGH_MONEY","request_uuid":"[0-9a-f-]{36}"\}$/),
      '    balance of kit-alice: 100000 before, 100000 after',
      '    balance of kit-bob: 100000 before, 100000 after',
    ]);
    expect(lines.slice(-3)).toEqual(['Net money moved: kit-alice 0 USD, kit-bob 0 USD', `${CHECKS.length - 1} passed, 1 failed, 0 skipped`, '']);

    const report = JSON.parse(readFileSync(json, 'utf8')) as { failed: number; results: Array<{ name: string; outcome: string; exchanges: unknown[] }> };
    expect(report.failed).toBe(1);
    expect(report.results).toHaveLength(CHECKS.length);
    expect(report.results.every((result) => result.outcome === 'pass' || result.exchanges.length > 0 || result.name === 'errors.not-enough-money')).toBe(true);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<testsuites name="[^"]+" tests="${CHECKS.length}" failures="1" errors="0" skipped="0"`));
    expect(xml.match(/<testcase /g)).toHaveLength(CHECKS.length);
    expect(xml).toMatch(/<testcase classname="exwallet.conform.errors" name="errors.not-enough-money" time="[\d.]+">\n {6}<failure message="the refusal carries the balance: expected balance 100000 in the answer, got none">errors.not-enough-money +FAIL/);
  });

  it('from the repository: npm run conform -- ... passes a wallet that keeps the contract, exit 0', async () => {
    const wallet = await served();

    const { code, stdout } = await run('npm', ['run', '--silent', 'conform', '--', '--url', wallet.url, '--users', USERS, '--key', HUB88_PRIVATE_FILE, '--only', 'basics,rollback']);

    expect(code).toBe(0);
    const counted = CHECKS.filter((check) => check.category === 'basics' || check.category === 'rollback').length;
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`${counted} passed, 0 failed, 0 skipped`);
  });

  it('an unreachable URL is a usage error, exit 2, from the command line too', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const service = exwallet(['conform', '--url', url, '--users', USERS]);
    expect((await service.exited).code).toBe(2);
    expect(service.stderr).toBe(`exwallet conform: cannot reach the wallet at /user/balance: ECONNREFUSED\nTry exwallet conform --help.\n`);
    expect(service.stdout).toBe('');
  });

  it('--help lists every option and category, exit 0', async () => {
    const { code, out } = await conform(['--help']);
    expect(code).toBe(0);
    for (const option of ['--url', '--users', '--key', '--tokens', '--only', '--concurrency', '--duration', '--json', '--junit']) expect(out).toContain(`  ${option} `);
    expect(out).toContain(`Categories: ${CATEGORIES.join(', ')}`);
  });

  it.each([
    ['an unknown flag', ['--url', 'http://127.0.0.1:1', '--users', 'a', '--verbose'], /Unknown option '--verbose'/],
    ['no --users', ['--url', 'http://127.0.0.1:1'], /--users is required/],
    ['an unknown category', ['--users', USERS, '--only', 'basics,speed'], /--only: unknown category speed/],
    ['a --concurrency that is not a number', ['--users', USERS, '--concurrency', 'many'], /--concurrency must be a number/],
    ['a key file that does not exist', ['--users', USERS, '--key', '/nonexistent/key.pem'], /cannot read the key \/nonexistent\/key.pem/],
    ['a tokens file that does not exist', ['--users', USERS, '--tokens', '/nonexistent/tokens.json'], /cannot read the tokens \/nonexistent\/tokens.json/],
    ['a tokens file that is not an object of token strings', ['--users', USERS, '--tokens', BAD_TOKENS_FILE], /--tokens .* must hold a JSON object from each player to a non-empty token string/],
    ['a player the wallet does not know', ['--users', 'kit-alice,kit-nobody'], /test player kit-nobody: the balance call answered RS_ERROR_UNKNOWN/],
    ['a player below 100,000', ['--users', 'kit-alice,kit-poor'], /test player kit-poor holds 99999, below the 100000 the checks need/],
    ['unsigned requests to a wallet that verifies them', ['--users', USERS, '--no-key'], /refused the kit's unsigned request \(RS_ERROR_INVALID_SIGNATURE\): give --key/],
  ])('%s is a usage error: exit 2, one line saying what is wrong, no check run', async (_what, args, message) => {
    const wallet = await served();
    const signing = args.includes('--no-key') ? [] : ['--key', HUB88_PRIVATE_FILE];
    const argv = args.includes('--url') ? args : ['--url', wallet.url, ...signing, ...args.filter((arg) => arg !== '--no-key')];

    const { code, out, err } = await conform(argv);

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.split('\n')).toHaveLength(3);
  });
});
