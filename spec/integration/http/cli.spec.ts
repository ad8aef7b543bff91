import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../../lib/http/index.js';
import { HELP } from '../../../lib/http/config.js';
import { Status } from '../../../lib/index.js';
import { betBody, Ids } from '../../support/helpers.js';
import { exwallet, type Service } from '../../support/process.js';

const HUB88_PUBLIC_FILE = fileURLToPath(new URL('../../fixtures/hub88-public.pem', import.meta.url));

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  hub88PublicKeyFile: undefined,
  privateKeyFile: undefined,
  verify: true,
  dev: false,
  demoUsers: 0,
  currency: 'USD',
  initialBalance: 100_000,
  dataDir: '/var/lib/exwallet',
  snapshotEvery: 1_000_000,
  adminToken: undefined,
  metricsToken: undefined,
  bodyLimit: 1024 * 1024,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  idleTimeout: 60_000,
  keepAliveTimeout: 72_000,
  shutdownGrace: 10_000,
  logLevel: 'info',
  databaseUrl: undefined,
  commitTimeout: 5000,
  retentionDays: 120,
  workers: 1,
  requireToken: false,
};

describe('the CLI reads each setting from its flag, then its EXWALLET_* variable, then the default', () => {
  it('has safe defaults: loopback, port 8080, signatures verified, bounded timeouts', () => {
    expect(parseConfig(['--data-dir', '/var/lib/exwallet'], {})).toEqual(DEFAULTS);
  });

  it('reads the environment', () => {
    const env = {
      EXWALLET_HOST: '0.0.0.0',
      EXWALLET_PORT: '9000',
      EXWALLET_HUB88_PUBLIC_KEY: 'hub88.pem',
      EXWALLET_PRIVATE_KEY: 'operator.pem',
      EXWALLET_DEMO_USERS: '5',
      EXWALLET_CURRENCY: 'EUR',
      EXWALLET_INITIAL_BALANCE: '0',
      EXWALLET_DATA_DIR: '/var/lib/exwallet',
      EXWALLET_SNAPSHOT_EVERY: '5000',
      EXWALLET_ADMIN_TOKEN: 'a-token-of-16-ch',
      EXWALLET_BODY_LIMIT: '2048',
      EXWALLET_HEADERS_TIMEOUT: '1000',
      EXWALLET_REQUEST_TIMEOUT: '2000',
      EXWALLET_IDLE_TIMEOUT: '3000',
      EXWALLET_KEEP_ALIVE_TIMEOUT: '4000',
      EXWALLET_SHUTDOWN_GRACE: '5000',
      EXWALLET_LOG_LEVEL: 'warn',
      EXWALLET_REQUIRE_TOKEN: 'yes',
    };
    expect(parseConfig([], env)).toEqual({
      host: '0.0.0.0',
      port: 9000,
      hub88PublicKeyFile: 'hub88.pem',
      privateKeyFile: 'operator.pem',
      verify: true,
      dev: false,
      demoUsers: 5,
      currency: 'EUR',
      initialBalance: 0,
      dataDir: '/var/lib/exwallet',
      snapshotEvery: 5000,
      adminToken: 'a-token-of-16-ch',
      metricsToken: undefined,
      bodyLimit: 2048,
      headersTimeout: 1000,
      requestTimeout: 2000,
      idleTimeout: 3000,
      keepAliveTimeout: 4000,
      shutdownGrace: 5000,
      logLevel: 'warn',
      databaseUrl: undefined,
      commitTimeout: 5000,
      retentionDays: 120,
      workers: 1,
      requireToken: true,
    });
  });

  it('lets a flag win over its variable', () => {
    const config = parseConfig(['--port', '7000', '--demo-users', '2', '--no-verify', '--currency', 'GBP', '--in-memory'], { EXWALLET_PORT: '9000', EXWALLET_CURRENCY: 'EUR' });
    expect(config).toMatchObject({ port: 7000, demoUsers: 2, verify: false, currency: 'GBP' });
  });

  it('keeps no journal with --in-memory', () => {
    expect(parseConfig(['--in-memory'], {})).toMatchObject({ dataDir: undefined });
    expect(parseConfig([], { EXWALLET_IN_MEMORY: 'true' })).toMatchObject({ dataDir: undefined });
  });

  it('answers --help, which describes the journal kept by default', () => {
    expect(parseConfig(['--help'], {})).toBe('help');
    expect(HELP).not.toMatch(/in-memory engine/);
    expect(HELP).toMatch(/journal in --data-dir/);
  });

  it.each([
    [['--port', '70000']],
    [['--port', 'http']],
    [['--demo-users', '-1']],
    [['--log-level', 'loud']],
    [['--unknown-flag']],
  ])('refuses %p', (argv) => {
    expect(() => parseConfig([...argv, '--in-memory'], {})).toThrow(/must|option/i);
  });
});

describe('a Hub88 public key means requests are verified: --no-verify with a key is refused', () => {
  it.each<[string, string[], NodeJS.ProcessEnv]>([
    ['both flags', ['--no-verify', '--hub88-public-key', 'hub88.pem'], {}],
    ['both variables', [], { EXWALLET_NO_VERIFY: '1', EXWALLET_HUB88_PUBLIC_KEY: 'hub88.pem' }],
    ['the flag --no-verify and the key variable', ['--no-verify'], { EXWALLET_HUB88_PUBLIC_KEY: 'hub88.pem' }],
    ['EXWALLET_NO_VERIFY and the key flag', ['--hub88-public-key', 'hub88.pem'], { EXWALLET_NO_VERIFY: 'true' }],
    ['--dev --no-verify and a key', ['--dev', '--no-verify', '--hub88-public-key', 'hub88.pem'], {}],
  ])('refuses %s', (_, argv, env) => {
    expect(() => parseConfig(argv, env)).toThrow(/--no-verify cannot be combined with --hub88-public-key/);
  });

  it('verifies with a key, and without one unless --dev or --no-verify says otherwise', () => {
    expect(parseConfig(['--hub88-public-key', 'hub88.pem', '--in-memory'], {})).toMatchObject({ verify: true });
    expect(parseConfig(['--in-memory'], {})).toMatchObject({ verify: true });
    expect(parseConfig(['--no-verify', '--in-memory'], {})).toMatchObject({ verify: false });
    expect(parseConfig(['--in-memory'], { EXWALLET_NO_VERIFY: '1' })).toMatchObject({ verify: false });
  });
});

describe('--dev is the developer mode: ten demo users, unsigned requests unless a key is given', () => {
  it('turns verification off without a key and makes ten demo users', () => {
    expect(parseConfig(['--dev'], {})).toMatchObject({ dev: true, verify: false, demoUsers: 10 });
    expect(parseConfig([], { EXWALLET_DEV: '1' })).toMatchObject({ dev: true, verify: false, demoUsers: 10 });
  });

  it('verifies with a key, from the flag or the environment', () => {
    expect(parseConfig(['--dev', '--hub88-public-key', 'hub88.pem'], {})).toMatchObject({ dev: true, verify: true });
    expect(parseConfig(['--dev'], { EXWALLET_HUB88_PUBLIC_KEY: 'hub88.pem' })).toMatchObject({ dev: true, verify: true });
  });

  it('keeps a demo user count that is set', () => {
    expect(parseConfig(['--dev', '--demo-users', '0'], {})).toMatchObject({ demoUsers: 0 });
    expect(parseConfig(['--dev'], { EXWALLET_DEMO_USERS: '3' })).toMatchObject({ demoUsers: 3 });
  });
});

describe('an admin token shorter than 16 characters is refused, an empty flag included', () => {
  it.each<[string, string[], NodeJS.ProcessEnv]>([
    ['an empty flag', ['--admin-token', ''], {}],
    ['an empty flag with =', ['--admin-token='], {}],
    ['a short flag', ['--admin-token', 'fifteen-chars!!'], {}],
    ['a short variable', [], { EXWALLET_ADMIN_TOKEN: 'secret' }],
    ['a token with a space', ['--admin-token', 'sixteen chars ok'], {}],
  ])('refuses %s', (_, argv, env) => {
    expect(() => parseConfig(argv, env)).toThrow(/admin token must be at least 16/);
  });

  it('treats an empty variable as unset, and accepts 16 characters', () => {
    expect(parseConfig(['--in-memory'], { EXWALLET_ADMIN_TOKEN: '' })).toMatchObject({ adminToken: undefined });
    expect(parseConfig(['--admin-token', 'sixteen-chars-ok', '--in-memory'], {})).toMatchObject({ adminToken: 'sixteen-chars-ok' });
  });
});

describe('--currency is 3 capital letters and --initial-balance a non-negative safe integer', () => {
  it('reads both', () => {
    expect(parseConfig(['--currency', 'EUR', '--initial-balance', '9007199254740991', '--in-memory'], {})).toMatchObject({
      currency: 'EUR',
      initialBalance: Number.MAX_SAFE_INTEGER,
    });
    expect(parseConfig(['--in-memory'], { EXWALLET_CURRENCY: 'JPY', EXWALLET_INITIAL_BALANCE: '0' })).toMatchObject({ currency: 'JPY', initialBalance: 0 });
  });

  it.each(['usd', 'US', 'USDT', 'U$D', '', 'ÉUR'])('refuses the currency %p', (currency) => {
    expect(() => parseConfig(['--currency', currency], {})).toThrow(/--currency must be 3 capital letters/);
  });

  it.each(['-1', '1.5', '1e3', '9007199254740992', '', 'lots', ' 5'])('refuses the initial balance %p', (balance) => {
    expect(() => parseConfig([`--initial-balance=${balance}`, '--in-memory'], {})).toThrow(/--initial-balance must be a whole number/);
  });
});

describe('timeouts and the shutdown grace period are whole milliseconds, headers within the request', () => {
  it('reads the flags', () => {
    const argv = ['--headers-timeout', '100', '--request-timeout', '200', '--idle-timeout', '300', '--keep-alive-timeout', '400', '--shutdown-grace', '500', '--in-memory'];
    expect(parseConfig(argv, {})).toMatchObject({ headersTimeout: 100, requestTimeout: 200, idleTimeout: 300, keepAliveTimeout: 400, shutdownGrace: 500 });
  });

  it.each([
    [['--request-timeout', '0']],
    [['--idle-timeout', '-5']],
    [['--keep-alive-timeout', '2147483648']],
    [['--shutdown-grace', 'soon']],
    [['--headers-timeout', '5000', '--request-timeout', '4000']],
  ])('refuses %p', (argv) => {
    expect(() => parseConfig([...argv, '--in-memory'], {})).toThrow(/must|option/i);
  });
});

describe('the state lives in one store: contradictory store flags are refused at start', () => {
  const url = 'postgres://exwallet@127.0.0.1:5432/wallet';
  it('selects PostgreSQL with --database-url, and no journal directory', () => {
    expect(parseConfig(['--database-url', url, '--workers', '2'], {})).toMatchObject({ databaseUrl: url, dataDir: undefined, workers: 2 });
    expect(parseConfig([], { EXWALLET_DATABASE_URL: url, EXWALLET_RETENTION_DAYS: '0', EXWALLET_COMMIT_TIMEOUT: '800' })).toMatchObject({
      databaseUrl: url,
      retentionDays: 0,
      commitTimeout: 800,
    });
  });
  it.each([
    ['a database and a data directory', ['--database-url', url, '--data-dir', 'x'], {}, /--database-url and --data-dir exclude each other/],
    ['a database and --in-memory', ['--database-url', url], { EXWALLET_IN_MEMORY: '1' }, /--database-url and --in-memory exclude each other/],
    ['--in-memory and a data directory', ['--in-memory'], { EXWALLET_DATA_DIR: 'x' }, /--in-memory and --data-dir exclude each other/],
    ['several workers on a journal', ['--workers', '2'], {}, /--workers needs --database-url/],
    ['a URL that is not postgres://', ['--database-url', 'mysql://db/wallet'], {}, /must be a postgres:\/\/ URL/],
    ['no workers', ['--database-url', url, '--workers', '0'], {}, /--workers must be a whole number/],
  ])('refuses %s', (_, argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(message);
  });
});

describe('a flag the chosen store does not read is refused at start, not ignored', () => {
  const url = 'postgres://exwallet@127.0.0.1:5432/wallet';
  it.each([
    ['--retention-days with a journal', ['--data-dir', 'x', '--retention-days', '30'], {}, '--retention-days (EXWALLET_RETENTION_DAYS) is read only by the PostgreSQL store (--database-url); with a journal it would be ignored'],
    ['--commit-timeout in memory', ['--in-memory', '--commit-timeout', '800'], {}, '--commit-timeout (EXWALLET_COMMIT_TIMEOUT) is read only by the PostgreSQL store (--database-url); with --in-memory it would be ignored'],
    ['EXWALLET_RETENTION_DAYS in --dev (its journal)', ['--dev'], { EXWALLET_RETENTION_DAYS: '30' }, '--retention-days (EXWALLET_RETENTION_DAYS) is read only by the PostgreSQL store (--database-url); with a journal it would be ignored'],
    ['--snapshot-every with PostgreSQL', ['--database-url', url, '--snapshot-every', '10'], {}, '--snapshot-every (EXWALLET_SNAPSHOT_EVERY) is read only by the journal (--data-dir); with --database-url it would be ignored'],
    ['--snapshot-every in memory', ['--in-memory'], { EXWALLET_SNAPSHOT_EVERY: '10' }, '--snapshot-every (EXWALLET_SNAPSHOT_EVERY) is read only by the journal (--data-dir); with --in-memory it would be ignored'],
  ])('refuses %s', (_, argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(message);
  });

  it('takes each flag with the store that reads it', () => {
    expect(parseConfig(['--database-url', url, '--retention-days', '30', '--commit-timeout', '800'], {})).toMatchObject({ retentionDays: 30, commitTimeout: 800 });
    expect(parseConfig(['--data-dir', 'x', '--snapshot-every', '10'], {})).toMatchObject({ dataDir: 'x', snapshotEvery: 10 });
  });

  it('stops the command with one line and exit code 2', async () => {
    const service = exwallet(['--port', '0', '--in-memory', '--retention-days', '30']);
    try {
      expect((await service.exited).code).toBe(2);
      expect(service.stderr.split('\n')[0]).toBe('exwallet: --retention-days (EXWALLET_RETENTION_DAYS) is read only by the PostgreSQL store (--database-url); with --in-memory it would be ignored');
    } finally {
      service.kill();
    }
  });
});

describe('the exwallet command serves until SIGTERM, then closes gracefully', () => {
  let service: Service | undefined;
  afterEach(() => {
    service?.kill();
    service = undefined;
  });

  it('listens, serves demo users from its journal in the configured currency, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exwallet-cli-'));
    service = exwallet(['--port', '0', '--no-verify', '--demo-users', '2', '--currency', 'EUR', '--initial-balance', '5000', '--log-level', 'silent', '--data-dir', dataDir]);
    const { url } = await service.listening();
    expect(service.stderr).toContain('NOT verified (--no-verify)');
    expect(service.stderr).toContain(`Journal: ${dataDir}`);
    const response = await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-2', request_uuid: 'r' }) });
    expect(await response.json()).toMatchObject({ user: 'demo-2', status: Status.OK, currency: 'EUR', balance: 5000 });
    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
    expect(service.stderr).toContain('closing');
    expect(readdirSync(dataDir)).toEqual(['journal-000000.log']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start without a public key unless --no-verify or --dev is given', async () => {
    service = exwallet(['--port', '0', '--log-level', 'silent', '--in-memory']);
    expect((await service.exited).code).toBe(2);
    expect(service.stderr).toMatch(/public key/);
  });
});

describe('--dev verifies signatures when a key is given, and says loudly when it does not', () => {
  let service: Service | undefined;
  afterEach(() => {
    service?.kill();
    service = undefined;
  });

  it('refuses an unsigned bet under --dev with a public key', async () => {
    service = exwallet(['--dev', '--port', '0', '--in-memory', '--log-level', 'silent', '--hub88-public-key', HUB88_PUBLIC_FILE]);
    const { url } = await service.listening();
    expect(service.stderr).toContain('Request signatures: verified');
    const response = await fetch(`${url}/transaction/bet`, { method: 'POST', body: JSON.stringify(betBody(new Ids(), { user: 'demo-10' })) });
    expect(await response.json()).toMatchObject({ status: Status.INVALID_SIGNATURE });
  });

  it('accepts unsigned bets under --dev without a key, and warns on standard error', async () => {
    service = exwallet(['--dev', '--port', '0', '--in-memory', '--log-level', 'silent']);
    const { url } = await service.listening();
    expect(service.stderr).toContain('Demo users: demo-1 ... demo-10');
    await service.output(/WARNING: request signatures are NOT verified \(--dev\)/, 'stderr');
    const response = await fetch(`${url}/transaction/bet`, { method: 'POST', body: JSON.stringify(betBody(new Ids(), { user: 'demo-10' })) });
    expect(await response.json()).toMatchObject({ status: Status.OK, balance: 99_900 });
  });

  it('refuses EXWALLET_NO_VERIFY with --hub88-public-key at start, in one line, with exit code 2', async () => {
    service = exwallet(['--port', '0', '--in-memory', '--hub88-public-key', HUB88_PUBLIC_FILE], { EXWALLET_NO_VERIFY: '1' });
    expect((await service.exited).code).toBe(2);
    expect(service.stderr.split('\n')[0]).toBe('exwallet: --no-verify cannot be combined with --hub88-public-key: a key given means requests are verified');
  });
});

describe('an empty admin token flag stops the start instead of opening the admin route', () => {
  it('exits 2 with one line', async () => {
    const service = exwallet(['--dev', '--port', '0', '--in-memory', '--admin-token=']);
    try {
      expect((await service.exited).code).toBe(2);
      expect(service.stderr.split('\n')[0]).toMatch(/^exwallet: the admin token must be at least 16 visible ASCII characters/);
      expect(service.stderr).not.toContain('listening');
    } finally {
      service.kill();
    }
  });
});

describe('a start failure is one line on standard error and exit code 1', () => {
  let occupied: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => occupied?.close(resolve) ?? resolve(undefined));
    occupied = undefined;
  });

  it('reports a port in use without a stack trace', async () => {
    occupied = createServer();
    const port = await new Promise<number>((resolve) => {
      occupied?.listen(0, '127.0.0.1', () => resolve((occupied?.address() as { port: number }).port));
    });
    const service = exwallet(['--dev', '--port', String(port), '--in-memory', '--log-level', 'silent']);
    try {
      expect((await service.exited).code).toBe(1);
      expect(service.stderr).toBe(`exwallet: cannot listen on 127.0.0.1:${port}: address already in use\n`);
      expect(service.stdout).not.toMatch(/\n\s+at /);
    } finally {
      service.kill();
    }
  });

  it('reports an address that is not on this machine without a stack trace', async () => {
    // 192.0.2.1 is TEST-NET-1: never a local address, so listening on it fails at once.
    const service = exwallet(['--dev', '--host', '192.0.2.1', '--port', '0', '--in-memory', '--log-level', 'silent']);
    try {
      expect((await service.exited).code).toBe(1);
      expect(service.stderr).toBe('exwallet: cannot listen on 192.0.2.1:0: address not available on this machine\n');
    } finally {
      service.kill();
    }
  });
});
