import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../lib/http/index.js';
import { Status } from '../../lib/index.js';

describe('the CLI reads each setting from its flag, then its EXWALLET_* variable, then the default', () => {
  it('has safe defaults: loopback, port 8080, signatures verified', () => {
    expect(parseConfig([], {})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      hub88PublicKeyFile: undefined,
      privateKeyFile: undefined,
      verify: true,
      demoUsers: 0,
      dataDir: 'exwallet-data',
      snapshotEvery: 1_000_000,
      adminToken: undefined,
      bodyLimit: 1024 * 1024,
      logLevel: 'info',
    });
  });

  it('reads the environment', () => {
    const env = {
      EXWALLET_HOST: '0.0.0.0',
      EXWALLET_PORT: '9000',
      EXWALLET_HUB88_PUBLIC_KEY: 'hub88.pem',
      EXWALLET_PRIVATE_KEY: 'operator.pem',
      EXWALLET_NO_VERIFY: '1',
      EXWALLET_DEMO_USERS: '5',
      EXWALLET_DATA_DIR: '/var/lib/exwallet',
      EXWALLET_SNAPSHOT_EVERY: '5000',
      EXWALLET_ADMIN_TOKEN: 't',
      EXWALLET_BODY_LIMIT: '2048',
      EXWALLET_LOG_LEVEL: 'warn',
    };
    expect(parseConfig([], env)).toEqual({
      host: '0.0.0.0',
      port: 9000,
      hub88PublicKeyFile: 'hub88.pem',
      privateKeyFile: 'operator.pem',
      verify: false,
      demoUsers: 5,
      dataDir: '/var/lib/exwallet',
      snapshotEvery: 5000,
      adminToken: 't',
      bodyLimit: 2048,
      logLevel: 'warn',
    });
  });

  it('lets a flag win over its variable', () => {
    const config = parseConfig(['--port', '7000', '--demo-users', '2', '--no-verify'], { EXWALLET_PORT: '9000' });
    expect(config).toMatchObject({ port: 7000, demoUsers: 2, verify: false });
  });

  it('keeps no journal with --in-memory', () => {
    expect(parseConfig(['--in-memory'], {})).toMatchObject({ dataDir: undefined });
    expect(parseConfig([], { EXWALLET_IN_MEMORY: 'true' })).toMatchObject({ dataDir: undefined });
  });

  it('answers --help', () => {
    expect(parseConfig(['--help'], {})).toBe('help');
  });

  it.each([
    [['--port', '70000']],
    [['--port', 'http']],
    [['--demo-users', '-1']],
    [['--log-level', 'loud']],
    [['--unknown-flag']],
  ])('refuses %p', (argv) => {
    expect(() => parseConfig(argv, {})).toThrow();
  });
});

describe('the exwallet command serves until SIGTERM, then closes gracefully', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('listens, serves demo users from its journal, and exits 0 on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../../lib/bin.ts', import.meta.url));
    const dataDir = mkdtempSync(join(tmpdir(), 'exwallet-cli-'));
    child = spawn(process.execPath, ['--import', 'tsx', bin, '--port', '0', '--no-verify', '--demo-users', '2', '--log-level', 'silent', '--data-dir', dataDir], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let output = '';
    const address = await new Promise<string>((resolve, reject) => {
      child?.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child?.on('exit', (code) => reject(new Error(`exited with ${String(code)} before listening: ${output}`)));
    });
    expect(output).toContain('NOT verified');
    expect(output).toContain(`Journal: ${dataDir}`);
    const response = await fetch(`${address}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-2', request_uuid: 'r' }) });
    expect(await response.json()).toMatchObject({ user: 'demo-2', status: Status.OK, balance: 100_000 });
    const exitCode = new Promise<number | null>((resolve) => child?.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(output).toContain('closing');
    expect(readdirSync(dataDir)).toEqual(['journal-000000.log']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start without a public key unless --no-verify is given', async () => {
    const bin = fileURLToPath(new URL('../../lib/bin.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', bin, '--port', '0', '--log-level', 'silent', '--in-memory'], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const exitCode = await new Promise<number | null>((resolve) => child?.on('exit', resolve));
    expect(exitCode).toBe(2);
    expect(errors).toMatch(/public key/);
  });
});
