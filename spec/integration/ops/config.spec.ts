/**
 * The service's configuration as an operator gives it: secrets kept out of the command line,
 * a metrics token of its own, the state's place named, malformed settings refused in one line.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ServiceConfig } from '../../../lib/http/index.js';

const dir = mkdtempSync(join(tmpdir(), 'exwallet-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A file holding `text`, readable by its owner only, as an operator keeps a secret. */
function secretFile(text: string): string {
  const path = join(dir, `secret-${(files += 1)}`);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

const ADMIN = 'admin-token-0123456789abcdef';
const METRICS = 'metrics-token-0123456789abcdef';
const URL_ = 'postgres://exwallet@127.0.0.1:5432/wallet';

function parse(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServiceConfig {
  const config = parseConfig([...argv], env);
  if (typeof config === 'string') throw new Error(`parsed as ${config}`);
  return config;
}

describe('GET /metrics has a token of its own, at least 16 characters, never the admin token', () => {
  it('reads the metrics token from --metrics-token, EXWALLET_METRICS_TOKEN or a file', () => {
    expect(parse(['--in-memory', '--metrics-token', METRICS])).toMatchObject({ metricsToken: METRICS, adminToken: undefined });
    expect(parse(['--in-memory'], { EXWALLET_METRICS_TOKEN: METRICS })).toMatchObject({ metricsToken: METRICS });
    expect(parse(['--in-memory', '--metrics-token-file', secretFile(`${METRICS}\n`)])).toMatchObject({ metricsToken: METRICS });
    expect(parse(['--in-memory'])).toMatchObject({ metricsToken: undefined });
  });

  it.each<[string, string[], NodeJS.ProcessEnv]>([
    ['as flags', ['--admin-token', ADMIN, '--metrics-token', ADMIN], {}],
    ['as variables', [], { EXWALLET_ADMIN_TOKEN: ADMIN, EXWALLET_METRICS_TOKEN: ADMIN }],
    ['from a file and a variable', ['--admin-token-file', secretFile(ADMIN)], { EXWALLET_METRICS_TOKEN: ADMIN }],
  ])('refuses the admin token as the metrics token, given %s', (_, argv, env) => {
    expect(() => parse(['--in-memory', ...argv], env)).toThrow('the metrics token must differ from the admin token');
  });

  it('refuses a metrics token shorter than 16 characters', () => {
    expect(() => parse(['--in-memory', '--metrics-token', 'fifteen-chars!!'])).toThrow(/^the metrics token must be at least 16/);
  });
});

describe('every secret can come from a file, its trailing newline ignored', () => {
  it('reads the admin token from --admin-token-file or EXWALLET_ADMIN_TOKEN_FILE', () => {
    expect(parse(['--in-memory', '--admin-token-file', secretFile(`${ADMIN}\n`)])).toMatchObject({ adminToken: ADMIN });
    expect(parse(['--in-memory', '--admin-token-file', secretFile(`${ADMIN}\r\n`)])).toMatchObject({ adminToken: ADMIN });
    expect(parse(['--in-memory'], { EXWALLET_ADMIN_TOKEN_FILE: secretFile(ADMIN) })).toMatchObject({ adminToken: ADMIN });
  });

  it.each<[string, string[], NodeJS.ProcessEnv]>([
    ['the flag and the file flag', ['--admin-token', ADMIN, '--admin-token-file', secretFile(ADMIN)], {}],
    ['the variable and the file flag', ['--admin-token-file', secretFile(ADMIN)], { EXWALLET_ADMIN_TOKEN: ADMIN }],
    ['the flag and the file variable', ['--admin-token', ADMIN], { EXWALLET_ADMIN_TOKEN_FILE: secretFile(ADMIN) }],
  ])('refuses a token given both ways: %s', (_, argv, env) => {
    expect(() => parse(['--in-memory', ...argv], env)).toThrow(/^the admin token is given twice/);
  });

  it('refuses a metrics token given both ways', () => {
    expect(() => parse(['--in-memory', '--metrics-token', METRICS, '--metrics-token-file', secretFile(METRICS)])).toThrow(/^the metrics token is given twice/);
  });

  it('refuses a missing, unreadable or empty file in one line naming the flag', () => {
    expect(() => parse(['--in-memory', '--admin-token-file', join(dir, 'missing')])).toThrow(/^--admin-token-file: cannot read .*missing: ENOENT$/);
    const folder = join(dir, 'a-directory');
    mkdirSync(folder);
    expect(() => parse(['--in-memory', '--metrics-token-file', folder])).toThrow(/^--metrics-token-file: cannot read .*a-directory: EISDIR$/);
    expect(() => parse(['--in-memory', '--admin-token-file', secretFile('\n')])).toThrow(/^--admin-token-file: .* is empty$/);
    if (process.getuid?.() !== 0) {
      const locked = secretFile(ADMIN);
      chmodSync(locked, 0o000);
      expect(() => parse(['--in-memory', '--admin-token-file', locked])).toThrow(/^--admin-token-file: cannot read .*: EACCES$/);
    }
  });

  it('puts the password of --database-password-file into the database URL, percent-encoded', () => {
    const password = 'p@ss:w/rd?#%';
    const config = parse(['--database-url', URL_, '--database-password-file', secretFile(`${password}\n`)]);
    const url = new URL(config.databaseUrl as string);
    expect({ user: url.username, password: decodeURIComponent(url.password), host: url.host, path: url.pathname }).toEqual({
      user: 'exwallet',
      password,
      host: '127.0.0.1:5432',
      path: '/wallet',
    });
    expect(parse([], { EXWALLET_DATABASE_URL: URL_, EXWALLET_DATABASE_PASSWORD_FILE: secretFile('pw') }).databaseUrl).toBe('postgres://exwallet:pw@127.0.0.1:5432/wallet');
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['in the URL too', ['--database-url', 'postgres://exwallet:pw@db/wallet'], {}, /^the database password is given twice: in --database-url/],
    ['in PGPASSWORD too', ['--database-url', URL_], { PGPASSWORD: 'pw' }, /^the database password is given twice: in PGPASSWORD/],
    ['without a database', ['--in-memory'], {}, /^--database-password-file needs --database-url/],
  ])('refuses a password file with the password %s', (_, argv, env, message) => {
    expect(() => parse([...argv, '--database-password-file', secretFile('pw')], env)).toThrow(message);
  });
});

describe("outside --dev the state's place is named, never a directory that depends on where the service starts", () => {
  it('refuses to start without --data-dir, --in-memory or --database-url', () => {
    expect(() => parse([])).toThrow(/^say where the state lives: --data-dir DIR, --in-memory or --database-url URL/);
    expect(() => parse(['--no-verify', '--demo-users', '3'])).toThrow(/say where the state lives/);
  });

  it.each<[string, string[], NodeJS.ProcessEnv, Partial<ServiceConfig>]>([
    ['--data-dir', ['--data-dir', '/var/lib/exwallet'], {}, { dataDir: '/var/lib/exwallet' }],
    ['EXWALLET_DATA_DIR', [], { EXWALLET_DATA_DIR: '/var/lib/exwallet' }, { dataDir: '/var/lib/exwallet' }],
    ['--in-memory', ['--in-memory'], {}, { dataDir: undefined, databaseUrl: undefined }],
    ['EXWALLET_IN_MEMORY', [], { EXWALLET_IN_MEMORY: '1' }, { dataDir: undefined, databaseUrl: undefined }],
    ['--database-url', ['--database-url', URL_], {}, { dataDir: undefined, databaseUrl: URL_ }],
    ['EXWALLET_DATABASE_URL', [], { EXWALLET_DATABASE_URL: URL_ }, { dataDir: undefined, databaseUrl: URL_ }],
    ['--dev alone (its journal in ./exwallet-data)', ['--dev'], {}, { dataDir: 'exwallet-data' }],
  ])('accepts the place named by %s', (_, argv, env, expected) => {
    expect(parse(argv, env)).toMatchObject(expected);
  });
});

describe('a malformed database URL is refused in one line naming --database-url', () => {
  it.each([
    ['a port out of range', 'postgres://exwallet@127.0.0.1:99999/wallet', /^--database-url: the port of "127\.0\.0\.1:99999" must be a number from 1 to 65535$/],
    ['a port that is not a number', 'postgres://exwallet@db:fivefour/wallet', /^--database-url: the port of "db:fivefour"/],
    ['a bad port of a second host', 'postgres://exwallet@db1:5432,db2:0/wallet', /^--database-url: the port of "db2:0"/],
    ['a host that is no host', 'postgres://exwallet@db with spaces/wallet', /^--database-url is not a valid URL/],
  ])('refuses %s', (_, url, message) => {
    expect(() => parse(['--database-url', url])).toThrow(message);
  });

  it('accepts several hosts with their ports, and IPv6 addresses', () => {
    for (const url of ['postgres://u@db1:5432,db2:5433/wallet?target_session_attrs=read-write', 'postgresql://u@[::1]:5432/wallet', 'postgres://u@db/wallet']) {
      expect(parse(['--database-url', url]).databaseUrl).toBe(url);
    }
  });
});

describe('--version and -h answer without starting anything', () => {
  it('reads --version, -h and --help', () => {
    expect(parseConfig(['--version'], {})).toBe('version');
    expect(parseConfig(['-h'], {})).toBe('help');
    expect(parseConfig(['--help'], {})).toBe('help');
  });
});
