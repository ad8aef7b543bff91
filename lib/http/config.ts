import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LevelWithSilent } from 'pino';
import { DEFAULT_COMMIT_TIMEOUT, DEFAULT_CURRENCY, DEFAULT_INITIAL_BALANCE, DEFAULT_RETENTION_DAYS, DEFAULT_SNAPSHOT_EVERY } from '../index.js';
import { checkAdminToken, DEFAULT_BODY_LIMIT, MIN_ADMIN_TOKEN_LENGTH } from './server.js';
import { DEFAULT_TIMEOUTS, MAX_TIMEOUT } from './timeouts.js';

/** How long the service waits for requests in flight after SIGINT or SIGTERM, unless set: 10 s. */
export const DEFAULT_SHUTDOWN_GRACE = 10_000;

export { DEFAULT_COMMIT_TIMEOUT, DEFAULT_RETENTION_DAYS } from '../index.js';

/** Demo users of `--dev` unless `--demo-users` says otherwise. */
export const DEV_DEMO_USERS = 10;

export const HELP = `Usage: exwallet [options]

Serves the Hub88 Operator wallet API. Every change is written to a journal in --data-dir
before it is answered (balances survive a restart), unless --in-memory is given. Outside --dev
the state's place must be named: --data-dir, --in-memory or --database-url.

Options (each can also be set by the environment variable shown):
  --host HOST               address to listen on (EXWALLET_HOST, default 127.0.0.1)
  --port PORT               port to listen on, 0 for any free one (EXWALLET_PORT, default 8080)
  --hub88-public-key FILE   Hub88's public key, PEM: requests must be signed with it
                            (EXWALLET_HUB88_PUBLIC_KEY)
  --private-key FILE        the operator's private key, PEM: responses are signed with it
                            (EXWALLET_PRIVATE_KEY)
  --no-verify               accept unsigned requests; refused with a public key
                            (EXWALLET_NO_VERIFY=1)
  --dev                     developer mode: ${DEV_DEMO_USERS} demo users unless --demo-users is set, and
                            unsigned requests accepted unless a public key is given
                            (EXWALLET_DEV=1)
  --demo-users N            create users demo-1 ... demo-N (EXWALLET_DEMO_USERS, default 0)
  --currency CODE           currency of new users, 3 capital letters
                            (EXWALLET_CURRENCY, default ${DEFAULT_CURRENCY})
  --initial-balance N       balance of new users, in the smallest unit
                            (EXWALLET_INITIAL_BALANCE, default ${DEFAULT_INITIAL_BALANCE})
  --data-dir DIR            where the write-ahead journal and snapshots live
                            (EXWALLET_DATA_DIR; --dev alone defaults to ./exwallet-data)
  --in-memory               keep no journal: everything is lost on exit (EXWALLET_IN_MEMORY=1)
  --database-url URL        keep the state in PostgreSQL instead, shared by every process that
                            names it; several hosts with target_session_attrs=read-write follow
                            a failover (EXWALLET_DATABASE_URL)
  --database-password-file FILE
                            the database password, read from FILE (trailing newline ignored);
                            the URL then holds none (EXWALLET_DATABASE_PASSWORD_FILE; PGPASSWORD
                            is honoured too)
  --workers N               service processes on one port, PostgreSQL only
                            (EXWALLET_WORKERS, default 1)
  --commit-timeout MS       PostgreSQL: a batch not committed by then is answered
                            RS_ERROR_UNKNOWN (EXWALLET_COMMIT_TIMEOUT, default ${DEFAULT_COMMIT_TIMEOUT})
  --retention-days N        PostgreSQL: days transaction records are kept, 0 for ever
                            (EXWALLET_RETENTION_DAYS, default ${DEFAULT_RETENTION_DAYS})
  --snapshot-every N        journal: records between snapshots (EXWALLET_SNAPSHOT_EVERY, default ${DEFAULT_SNAPSHOT_EVERY})
  --require-token           bets and balance calls must carry the token of a session the
                            operator opened (POST /admin/sessions); wins and rollbacks never
                            need one (EXWALLET_REQUIRE_TOKEN=1)
  --memory-limit BYTES      embedded store: new transactions are refused while the process's
                            resident memory would pass BYTES (EXWALLET_MEMORY_LIMIT, default none)
  --admin-token-file FILE   bearer token of the /admin/... routes (without it they do not exist),
                            read from FILE, at least ${MIN_ADMIN_TOKEN_LENGTH} characters
                            (EXWALLET_ADMIN_TOKEN_FILE; or the token itself in EXWALLET_ADMIN_TOKEN
                            or --admin-token, visible to every local user in the process list)
  --metrics-token-file FILE bearer token of GET /metrics (without it the route does not exist), read
                            from FILE, at least ${MIN_ADMIN_TOKEN_LENGTH} characters, not the admin token
                            (EXWALLET_METRICS_TOKEN_FILE; or EXWALLET_METRICS_TOKEN, --metrics-token)
  --body-limit BYTES        largest request body (EXWALLET_BODY_LIMIT, default ${DEFAULT_BODY_LIMIT})
  --headers-timeout MS      time to receive a request's headers
                            (EXWALLET_HEADERS_TIMEOUT, default ${DEFAULT_TIMEOUTS.headersTimeout})
  --request-timeout MS      time to receive a whole request
                            (EXWALLET_REQUEST_TIMEOUT, default ${DEFAULT_TIMEOUTS.requestTimeout})
  --idle-timeout MS         a silent connection is closed after this
                            (EXWALLET_IDLE_TIMEOUT, default ${DEFAULT_TIMEOUTS.idleTimeout})
  --keep-alive-timeout MS   wait for the next request on a kept-alive connection
                            (EXWALLET_KEEP_ALIVE_TIMEOUT, default ${DEFAULT_TIMEOUTS.keepAliveTimeout})
  --shutdown-grace MS       after SIGINT or SIGTERM, time to finish requests in flight before
                            closing connections by force and exiting with code 1
                            (EXWALLET_SHUTDOWN_GRACE, default ${DEFAULT_SHUTDOWN_GRACE})
  --log-level LEVEL         fatal, error, warn, info, debug, trace or silent
                            (EXWALLET_LOG_LEVEL, default info)
  --version                 print the version
  -h, --help                show this text
`;

/** Everything the service needs to start, read from flags and the environment. */
export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  readonly hub88PublicKeyFile: string | undefined;
  readonly privateKeyFile: string | undefined;
  /**
   * Whether requests must be signed: always with a public key; without one, unless `--dev` or
   * `--no-verify` says otherwise (and then the service refuses to start for want of a key).
   */
  readonly verify: boolean;
  /** Developer mode (`--dev`): demo users by default, unsigned requests without a key. */
  readonly dev: boolean;
  readonly demoUsers: number;
  readonly currency: string;
  readonly initialBalance: number;
  /** The journal's directory, or `undefined` for an in-memory engine or PostgreSQL. */
  readonly dataDir: string | undefined;
  /** The PostgreSQL store's URL, if the state lives there. */
  readonly databaseUrl: string | undefined;
  /** Service processes sharing the port (PostgreSQL only). */
  readonly workers: number;
  readonly commitTimeout: number;
  readonly retentionDays: number;
  readonly snapshotEvery: number;
  /** Embedded store: the resident memory past which new transactions are refused. */
  readonly memoryLimit: number | undefined;
  /** `--require-token`: bets and balance calls must name an open session of their user. */
  readonly requireToken: boolean;
  readonly adminToken: string | undefined;
  /** Bearer token of `GET /metrics`; never the admin token. */
  readonly metricsToken: string | undefined;
  readonly bodyLimit: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly idleTimeout: number;
  readonly keepAliveTimeout: number;
  readonly shutdownGrace: number;
  readonly logLevel: LevelWithSilent;
}

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration: a flag wins over its `EXWALLET_*` variable, which wins over the
 * default (an empty variable counts as unset; an empty flag does not). Secrets may also come
 * from files (`--admin-token-file` ...), which are read here. Returns `'help'` for `--help` and
 * `'version'` for `--version`; throws an Error whose one-line message says what is wrong
 * otherwise.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServiceConfig | 'help' | 'version' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'hub88-public-key': { type: 'string' },
      'private-key': { type: 'string' },
      'no-verify': { type: 'boolean' },
      dev: { type: 'boolean' },
      'demo-users': { type: 'string' },
      currency: { type: 'string' },
      'initial-balance': { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      'database-url': { type: 'string' },
      'database-password-file': { type: 'string' },
      workers: { type: 'string' },
      'commit-timeout': { type: 'string' },
      'retention-days': { type: 'string' },
      'snapshot-every': { type: 'string' },
      'memory-limit': { type: 'string' },
      'require-token': { type: 'boolean' },
      'admin-token': { type: 'string' },
      'admin-token-file': { type: 'string' },
      'metrics-token': { type: 'string' },
      'metrics-token-file': { type: 'string' },
      'body-limit': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      'shutdown-grace': { type: 'string' },
      'log-level': { type: 'string' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if (values.version === true) return 'version';
  const setting = (flag: keyof typeof values, variable: string): string | undefined => {
    const value = values[flag];
    return typeof value === 'string' ? value : env[variable] === '' ? undefined : env[variable];
  };
  const milliseconds = (flag: keyof typeof values, variable: string, fallback: number): number =>
    integer(`--${flag}`, setting(flag, variable) ?? String(fallback), 1, MAX_TIMEOUT);
  /** A secret given as a value (flag or variable) or in a file (flag or variable), never both. */
  const secret = (flag: 'admin-token' | 'metrics-token', variable: string): string | undefined => {
    const value = setting(flag, variable);
    const file = setting(`${flag}-file`, `${variable}_FILE`);
    if (value !== undefined && file !== undefined) {
      throw new Error(`the ${flag.replace('-', ' ')} is given twice: --${flag} (${variable}) and --${flag}-file (${variable}_FILE); give one`);
    }
    return file === undefined ? value : readSecret(`--${flag}-file`, file);
  };

  const logLevel = setting('log-level', 'EXWALLET_LOG_LEVEL') ?? 'info';
  if (!LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);

  const hub88PublicKeyFile = setting('hub88-public-key', 'EXWALLET_HUB88_PUBLIC_KEY');
  const noVerify = values['no-verify'] === true || isSet(env.EXWALLET_NO_VERIFY);
  if (noVerify && hub88PublicKeyFile !== undefined) {
    throw new Error('--no-verify cannot be combined with --hub88-public-key: a key given means requests are verified');
  }
  const dev = values.dev === true || isSet(env.EXWALLET_DEV);

  const currency = setting('currency', 'EXWALLET_CURRENCY') ?? DEFAULT_CURRENCY;
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`--currency must be 3 capital letters A-Z, got "${currency}"`);

  const adminToken = secret('admin-token', 'EXWALLET_ADMIN_TOKEN');
  if (adminToken !== undefined) checkAdminToken(adminToken);
  const metricsToken = secret('metrics-token', 'EXWALLET_METRICS_TOKEN');
  if (metricsToken !== undefined) checkAdminToken(metricsToken, 'metrics token');
  if (metricsToken !== undefined && metricsToken === adminToken) {
    throw new Error('the metrics token must differ from the admin token: whatever scrapes metrics must not be able to move money');
  }

  const timeouts = {
    headersTimeout: milliseconds('headers-timeout', 'EXWALLET_HEADERS_TIMEOUT', DEFAULT_TIMEOUTS.headersTimeout),
    requestTimeout: milliseconds('request-timeout', 'EXWALLET_REQUEST_TIMEOUT', DEFAULT_TIMEOUTS.requestTimeout),
    idleTimeout: milliseconds('idle-timeout', 'EXWALLET_IDLE_TIMEOUT', DEFAULT_TIMEOUTS.idleTimeout),
    keepAliveTimeout: milliseconds('keep-alive-timeout', 'EXWALLET_KEEP_ALIVE_TIMEOUT', DEFAULT_TIMEOUTS.keepAliveTimeout),
  };
  if (timeouts.headersTimeout > timeouts.requestTimeout) {
    throw new Error(`--headers-timeout (${timeouts.headersTimeout}) must not exceed --request-timeout (${timeouts.requestTimeout})`);
  }

  const passwordFile = setting('database-password-file', 'EXWALLET_DATABASE_PASSWORD_FILE');
  const store = storeSettings({
    databaseUrl: setting('database-url', 'EXWALLET_DATABASE_URL'),
    password: passwordFile === undefined ? undefined : { file: passwordFile, environment: env.PGPASSWORD !== undefined && env.PGPASSWORD !== '' },
    inMemory: values['in-memory'] === true || isSet(env.EXWALLET_IN_MEMORY),
    dataDir: setting('data-dir', 'EXWALLET_DATA_DIR'),
    dev,
    workers: integer('--workers', setting('workers', 'EXWALLET_WORKERS') ?? '1', 1, 256),
  });
  refuseOtherStores(store, (flag, variable) => setting(flag, variable) !== undefined);
  const memoryLimitText = setting('memory-limit', 'EXWALLET_MEMORY_LIMIT');
  const memoryLimit = memoryLimitText === undefined ? undefined : integer('--memory-limit', memoryLimitText, 1, Number.MAX_SAFE_INTEGER);
  if (memoryLimit !== undefined && store.databaseUrl !== undefined) throw new Error('--memory-limit guards the embedded store; with --database-url the state is not kept in this process');

  return {
    host: setting('host', 'EXWALLET_HOST') ?? '127.0.0.1',
    port: integer('--port', setting('port', 'EXWALLET_PORT') ?? '8080', 0, 65_535),
    hub88PublicKeyFile,
    privateKeyFile: setting('private-key', 'EXWALLET_PRIVATE_KEY'),
    verify: hub88PublicKeyFile !== undefined || !(dev || noVerify),
    dev,
    demoUsers: integer('--demo-users', setting('demo-users', 'EXWALLET_DEMO_USERS') ?? String(dev ? DEV_DEMO_USERS : 0), 0, 10_000_000),
    currency,
    initialBalance: integer('--initial-balance', setting('initial-balance', 'EXWALLET_INITIAL_BALANCE') ?? String(DEFAULT_INITIAL_BALANCE), 0, Number.MAX_SAFE_INTEGER),
    ...store,
    commitTimeout: milliseconds('commit-timeout', 'EXWALLET_COMMIT_TIMEOUT', DEFAULT_COMMIT_TIMEOUT),
    retentionDays: integer('--retention-days', setting('retention-days', 'EXWALLET_RETENTION_DAYS') ?? String(DEFAULT_RETENTION_DAYS), 0, 36_500),
    snapshotEvery: integer('--snapshot-every', setting('snapshot-every', 'EXWALLET_SNAPSHOT_EVERY') ?? String(DEFAULT_SNAPSHOT_EVERY), 1, Number.MAX_SAFE_INTEGER),
    memoryLimit,
    requireToken: values['require-token'] === true || isSet(env.EXWALLET_REQUIRE_TOKEN),
    adminToken,
    metricsToken,
    bodyLimit: integer('--body-limit', setting('body-limit', 'EXWALLET_BODY_LIMIT') ?? String(DEFAULT_BODY_LIMIT), 1, 2 ** 31 - 1),
    ...timeouts,
    shutdownGrace: milliseconds('shutdown-grace', 'EXWALLET_SHUTDOWN_GRACE', DEFAULT_SHUTDOWN_GRACE),
    logLevel: logLevel as LevelWithSilent,
  };
}

/** What {@link storeSettings} decides from. */
interface StoreChoice {
  readonly databaseUrl: string | undefined;
  /** `--database-password-file`, and whether PGPASSWORD is set too. */
  readonly password: { readonly file: string; readonly environment: boolean } | undefined;
  readonly inMemory: boolean;
  readonly dataDir: string | undefined;
  readonly dev: boolean;
  readonly workers: number;
}

/**
 * Where the state lives: a journal in `--data-dir`, nowhere (`--in-memory`), or PostgreSQL
 * (`--database-url`). Outside `--dev` it must be named: a default directory would depend on
 * the working directory, and could serve a developer's journal in production. Contradictions
 * are refused rather than one silently winning.
 */
function storeSettings(choice: StoreChoice): Pick<ServiceConfig, 'dataDir' | 'databaseUrl' | 'workers'> {
  const { databaseUrl, password, inMemory, dataDir, dev, workers } = choice;
  if (databaseUrl !== undefined) {
    checkDatabaseUrl(databaseUrl);
    if (inMemory) throw new Error('--database-url and --in-memory exclude each other: the state lives in one store');
    if (dataDir !== undefined) throw new Error('--database-url and --data-dir exclude each other: the state lives in one store');
    return { dataDir: undefined, databaseUrl: password === undefined ? databaseUrl : withPassword(databaseUrl, password), workers };
  }
  if (password !== undefined) throw new Error('--database-password-file needs --database-url');
  if (workers > 1) throw new Error('--workers needs --database-url: a journal is served by one process');
  if (inMemory && dataDir !== undefined) throw new Error('--in-memory and --data-dir exclude each other');
  if (!inMemory && dataDir === undefined && !dev) {
    throw new Error('say where the state lives: --data-dir DIR, --in-memory or --database-url URL (EXWALLET_DATA_DIR, EXWALLET_IN_MEMORY, EXWALLET_DATABASE_URL); only --dev has a default (./exwallet-data)');
  }
  return { dataDir: inMemory ? undefined : (dataDir ?? 'exwallet-data'), databaseUrl: undefined, workers };
}

/** The flags only one store reads: given for another store they would be ignored, so they are refused. */
const STORE_FLAGS = [
  { flag: 'commit-timeout', variable: 'EXWALLET_COMMIT_TIMEOUT', store: 'postgres' },
  { flag: 'retention-days', variable: 'EXWALLET_RETENTION_DAYS', store: 'postgres' },
  { flag: 'snapshot-every', variable: 'EXWALLET_SNAPSHOT_EVERY', store: 'journal' },
] as const;

/** Throws a one-line error for a flag (or its variable) that the chosen store does not read. */
function refuseOtherStores(store: Pick<ServiceConfig, 'dataDir' | 'databaseUrl'>, given: (flag: (typeof STORE_FLAGS)[number]['flag'], variable: string) => boolean): void {
  const chosen = store.databaseUrl !== undefined ? 'postgres' : store.dataDir !== undefined ? 'journal' : 'memory';
  for (const { flag, variable, store: reader } of STORE_FLAGS) {
    if (reader === chosen || !given(flag, variable)) continue;
    const where = reader === 'postgres' ? 'the PostgreSQL store (--database-url)' : 'the journal (--data-dir)';
    const instead = chosen === 'postgres' ? 'with --database-url' : chosen === 'journal' ? 'with a journal' : 'with --in-memory';
    throw new Error(`--${flag} (${variable}) is read only by ${where}; ${instead} it would be ignored`);
  }
}

/** The parts of a `postgres://` URL: everything up to the hosts, the hosts, the rest. */
const DATABASE_URL = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/s;

/**
 * Throws a one-line error naming `--database-url` unless the URL is one postgres.js can use:
 * every host's port a number from 1 to 65535, the rest a valid URL.
 */
function checkDatabaseUrl(url: string): void {
  const parts = DATABASE_URL.exec(url);
  if (parts === null) throw new Error('--database-url must be a postgres:// URL');
  const hosts = (parts[3] as string).split(',');
  for (const host of hosts) {
    const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host)?.[1];
    if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)) {
      throw new Error(`--database-url: the port of "${host}" must be a number from 1 to 65535`);
    }
  }
  if (!URL.canParse(`${parts[1] as string}${parts[2] === undefined ? '' : `${parts[2]}@`}${hosts[0] as string}${parts[4] as string}`)) {
    throw new Error('--database-url is not a valid URL (a password with @, / or : in it must be percent-encoded)');
  }
}

/** The URL with the password read from `password.file`, refused when the password is given another way too. */
function withPassword(url: string, password: { readonly file: string; readonly environment: boolean }): string {
  const [, scheme, userInfo, rest] = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?(.*)$/s.exec(url) as unknown as [string, string, string | undefined, string];
  if (userInfo?.includes(':') === true) throw new Error('the database password is given twice: in --database-url and in --database-password-file; give one');
  if (password.environment) throw new Error('the database password is given twice: in PGPASSWORD and in --database-password-file; give one');
  const secret = readSecret('--database-password-file', password.file);
  return `${scheme}${userInfo ?? ''}:${encodeURIComponent(secret)}@${rest}`;
}

/**
 * A secret read from a file: its content without the trailing newline an editor or `echo`
 * leaves. An unreadable or empty file is refused: starting without the secret would turn a
 * protection off, or fail later, far from the cause.
 */
function readSecret(flag: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new Error(`${flag}: ${file} is empty`);
  return secret;
}

function isSet(variable: string | undefined): boolean {
  return ['1', 'true', 'yes'].includes((variable ?? '').toLowerCase());
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}
