import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LevelWithSilent } from 'pino';
import { DEFAULT_SNAPSHOT_EVERY, start, type Wallet } from '../index.js';
import { buildServer, DEFAULT_BODY_LIMIT } from './server.js';

export const HELP = `Usage: exwallet [options]

Serves the Hub88 Operator wallet API on an in-memory engine.

Options (each can also be set by the environment variable shown):
  --host HOST               address to listen on (EXWALLET_HOST, default 127.0.0.1)
  --port PORT               port to listen on, 0 for any free one (EXWALLET_PORT, default 8080)
  --hub88-public-key FILE   Hub88's public key, PEM: requests must be signed with it
                            (EXWALLET_HUB88_PUBLIC_KEY)
  --private-key FILE        the operator's private key, PEM: responses are signed with it
                            (EXWALLET_PRIVATE_KEY)
  --no-verify               accept unsigned requests (EXWALLET_NO_VERIFY=1)
  --demo-users N            create users demo-1 ... demo-N (EXWALLET_DEMO_USERS, default 0)
  --data-dir DIR            where the write-ahead journal and snapshots live
                            (EXWALLET_DATA_DIR, default ./exwallet-data)
  --in-memory               keep no journal: everything is lost on exit (EXWALLET_IN_MEMORY=1)
  --snapshot-every N        records between snapshots (EXWALLET_SNAPSHOT_EVERY, default 1000000)
  --admin-token TOKEN       bearer token for POST /admin/users (EXWALLET_ADMIN_TOKEN)
  --body-limit BYTES        largest request body (EXWALLET_BODY_LIMIT, default ${DEFAULT_BODY_LIMIT})
  --log-level LEVEL         fatal, error, warn, info, debug, trace or silent
                            (EXWALLET_LOG_LEVEL, default info)
  --help                    show this text
`;

/** Everything the service needs to start, read from flags and the environment. */
export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  readonly hub88PublicKeyFile: string | undefined;
  readonly privateKeyFile: string | undefined;
  readonly verify: boolean;
  readonly demoUsers: number;
  /** The journal's directory, or `undefined` for an in-memory engine. */
  readonly dataDir: string | undefined;
  readonly snapshotEvery: number;
  readonly adminToken: string | undefined;
  readonly bodyLimit: number;
  readonly logLevel: LevelWithSilent;
}

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration: a flag wins over its `EXWALLET_*` variable, which wins over the
 * default. Returns `'help'` for `--help`; throws an Error that says what is wrong otherwise.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServiceConfig | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'hub88-public-key': { type: 'string' },
      'private-key': { type: 'string' },
      'no-verify': { type: 'boolean' },
      'demo-users': { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      'snapshot-every': { type: 'string' },
      'admin-token': { type: 'string' },
      'body-limit': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) return 'help';
  const setting = (flag: keyof typeof values, variable: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : env[variable] === '' ? undefined : env[variable];
  };
  const logLevel = setting('log-level', 'EXWALLET_LOG_LEVEL') ?? 'info';
  if (!LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);
  return {
    host: setting('host', 'EXWALLET_HOST') ?? '127.0.0.1',
    port: integer('--port', setting('port', 'EXWALLET_PORT') ?? '8080', 0, 65_535),
    hub88PublicKeyFile: setting('hub88-public-key', 'EXWALLET_HUB88_PUBLIC_KEY'),
    privateKeyFile: setting('private-key', 'EXWALLET_PRIVATE_KEY'),
    verify: !(values['no-verify'] === true || isSet(env.EXWALLET_NO_VERIFY)),
    demoUsers: integer('--demo-users', setting('demo-users', 'EXWALLET_DEMO_USERS') ?? '0', 0, 10_000_000),
    dataDir: values['in-memory'] === true || isSet(env.EXWALLET_IN_MEMORY) ? undefined : (setting('data-dir', 'EXWALLET_DATA_DIR') ?? 'exwallet-data'),
    snapshotEvery: integer('--snapshot-every', setting('snapshot-every', 'EXWALLET_SNAPSHOT_EVERY') ?? String(DEFAULT_SNAPSHOT_EVERY), 1, Number.MAX_SAFE_INTEGER),
    adminToken: setting('admin-token', 'EXWALLET_ADMIN_TOKEN'),
    bodyLimit: integer('--body-limit', setting('body-limit', 'EXWALLET_BODY_LIMIT') ?? String(DEFAULT_BODY_LIMIT), 1, 2 ** 31 - 1),
    logLevel: logLevel as LevelWithSilent,
  };
}

function isSet(variable: string | undefined): boolean {
  return ['1', 'true', 'yes'].includes((variable ?? '').toLowerCase());
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

function readKey(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

/**
 * Runs the service until SIGINT or SIGTERM, then closes it gracefully: requests in flight are
 * answered, the engine is stopped. Returns the process exit code.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config: ServiceConfig | 'help';
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    process.stderr.write(`exwallet: ${(error as Error).message}\nTry --help.\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  let wallet: Wallet;
  try {
    wallet = config.dataDir === undefined ? start() : start({ journal: resolve(config.dataDir), snapshotEvery: config.snapshotEvery });
  } catch (error) {
    process.stderr.write(`exwallet: ${(error as Error).message}\n`);
    return 1;
  }
  const demoUsers = Array.from({ length: config.demoUsers }, (_, i) => `demo-${i + 1}`);
  await wallet.createUsers(demoUsers);
  let server;
  try {
    server = buildServer({
      wallet,
      verifySignatures: config.verify,
      bodyLimit: config.bodyLimit,
      logLevel: config.logLevel,
      ...(config.hub88PublicKeyFile === undefined ? {} : { hub88PublicKey: readKey(config.hub88PublicKeyFile, 'Hub88 public key') }),
      ...(config.privateKeyFile === undefined ? {} : { privateKey: readKey(config.privateKeyFile, 'private key') }),
      ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
    });
    await server.ready();
  } catch (error) {
    process.stderr.write(`exwallet: ${(error as Error).message}\nTry --help.\n`);
    return 2;
  }
  const address = await server.listen({ host: config.host, port: config.port });
  process.stdout.write(
    [
      `Exwallet listening on ${address}`,
      config.dataDir === undefined
        ? 'Journal: none (--in-memory): balances are lost on exit'
        : `Journal: ${resolve(config.dataDir)} (recovered ${wallet.recovery?.records ?? 0} records${wallet.recovery?.truncatedBytes ? `, cut a torn tail of ${wallet.recovery.truncatedBytes} bytes` : ''})`,
      config.verify ? 'Request signatures: verified with the Hub88 public key' : 'Request signatures: NOT verified (--no-verify)',
      `Response signatures: ${config.privateKeyFile === undefined ? 'off' : 'on'}`,
      demoUsers.length > 0 ? `Demo users: demo-1 ... demo-${demoUsers.length}` : 'Demo users: none',
      '',
    ].join('\n'),
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write(`Received ${signal}; closing\n`);
  await server.close();
  await wallet.stop();
  return 0;
}
