import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import cluster from 'node:cluster';
import { pino, type Logger } from 'pino';
import { start, type Wallet, type WalletOptions } from '../index.js';
import { HELP, parseConfig, type ServiceConfig } from './config.js';
import { awaitDatabase, DatabaseConfigError } from './database.js';
import { scrapeThroughPrimary } from './cluster-metrics.js';
import { buildServer } from './server.js';
import { parseReconcileCsv, RECONCILE_HELP, reconcileArguments, reconciled, type ReconcileArguments } from './backoffice.js';
import { closeWithin } from './shutdown.js';
import { VERSION } from './version.js';
import { superviseWorkers } from './workers.js';

/** Exit codes of {@link main}. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown for a start-up failure the user can fix from its one-line message. */
class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

/**
 * Runs the service until SIGINT or SIGTERM, then closes it within the grace period (see
 * {@link closeWithin}). Returns the process exit code: 0 after a clean shutdown, 1 when
 * something failed at start or the grace period ran out, 2 for a bad configuration (a database
 * that refuses the login, does not exist or forbids what the store needs included). Every
 * failure is reported as one line on standard error. Standard output carries only the JSON log
 * lines; the start banner goes to standard error.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    return await run(argv, env);
  } catch (error) {
    const known = error instanceof StartError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`exwallet: ${oneLine(message)}\n${known && error.exitCode === EXIT.usage ? 'Try --help.\n' : ''}`);
    return known ? error.exitCode : EXIT.failed;
  }
}

async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config: ServiceConfig | 'help' | 'version';
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    throw new StartError((error as Error).message, EXIT.usage);
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (config === 'version') {
    process.stdout.write(`exwallet ${VERSION}\n`);
    return EXIT.ok;
  }
  const hub88PublicKey = config.hub88PublicKeyFile === undefined ? undefined : readKey(config.hub88PublicKeyFile, 'Hub88 public key');
  const privateKey = config.privateKeyFile === undefined ? undefined : readKey(config.privateKeyFile, 'private key');

  // A worker answers the primary's requests for its metrics from the start, even while it waits.
  scrapeThroughPrimary();
  // From here on a signal ends the wait for the database, or the service once it listens.
  const stop = stopSignal();
  const logger = pino({ level: config.logLevel });
  if (config.databaseUrl !== undefined) {
    let reachable: boolean;
    try {
      reachable = await awaitDatabase(config.databaseUrl, logger, stop.aborted);
    } catch (error) {
      if (!(error instanceof DatabaseConfigError)) throw error;
      throw new StartError(`cannot use the database ${redacted(config.databaseUrl)}: ${error.message}`, EXIT.usage);
    }
    if (!reachable) return EXIT.ok;
  }

  if (config.workers > 1 && cluster.isPrimary) return superviseWorkers(config.workers);

  let wallet: Wallet;
  try {
    wallet = start(engineOptions(config, logger));
  } catch (error) {
    throw new StartError((error as Error).message, EXIT.failed);
  }
  let server: FastifyInstance;
  try {
    server = buildServer({
      wallet,
      verifySignatures: config.verify,
      bodyLimit: config.bodyLimit,
      logLevel: config.logLevel,
      headersTimeout: config.headersTimeout,
      requestTimeout: config.requestTimeout,
      idleTimeout: config.idleTimeout,
      keepAliveTimeout: config.keepAliveTimeout,
      ...(hub88PublicKey === undefined ? {} : { hub88PublicKey }),
      ...(privateKey === undefined ? {} : { privateKey }),
      ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
      ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
    });
    await server.ready();
  } catch (error) {
    await wallet.stop();
    throw new StartError((error as Error).message, EXIT.usage);
  }

  let address: string;
  try {
    await wallet.createUsers(Array.from({ length: config.demoUsers }, (_, i) => `demo-${i + 1}`));
  } catch (error) {
    await server.close();
    await wallet.stop();
    throw new StartError(`cannot create the demo users: ${(error as Error).message}`, EXIT.failed);
  }
  try {
    address = await server.listen({ host: config.host, port: config.port });
  } catch (error) {
    await server.close();
    await wallet.stop();
    throw new StartError(listenFailure(config, error), EXIT.failed);
  }

  // Listening before the banner: a signal that arrives once the address is known is handled.
  printBanner(config, wallet, address);

  const received = await stop.received;
  process.stderr.write(`Received ${received}; closing (grace period ${config.shutdownGrace} ms)\n`);
  const outcome = await closeWithin(server, wallet, config.shutdownGrace);
  if (outcome === 'forced') {
    process.stderr.write(`exwallet: requests still open after the ${config.shutdownGrace} ms grace period; connections closed by force\n`);
    return EXIT.failed;
  }
  process.stderr.write('Closed\n');
  return EXIT.ok;
}

/**
 * `exwallet reconcile --file FILE [--from TIME] [--to TIME] [store flags]`: opens the store the
 * service's flags name, compares its records with the aggregator's CSV, prints the result as JSON
 * and closes the store. Returns 0 when everything matches, 1 when anything differs or fails, 2
 * for bad usage.
 */
export async function reconcile(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(RECONCILE_HELP);
    return EXIT.ok;
  }
  let config: ServiceConfig | 'help' | 'version';
  let args: ReconcileArguments;
  try {
    args = reconcileArguments(argv);
    config = parseConfig(args.rest, env);
    if (config === 'help' || config === 'version') throw new Error('--help and --version stand alone');
  } catch (error) {
    process.stderr.write(`exwallet reconcile: ${oneLine((error as Error).message)}\nTry exwallet reconcile --help.\n`);
    return EXIT.usage;
  }
  let wallet: Wallet | undefined;
  try {
    const rows = parseReconcileCsv(readFileSync(args.file));
    wallet = start(engineOptions(config, pino({ level: 'silent' })));
    const result = await wallet.reconcile(rows, args.window);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return reconciled(result) ? EXIT.ok : EXIT.failed;
  } catch (error) {
    process.stderr.write(`exwallet reconcile: ${oneLine((error as Error).message)}\n`);
    return EXIT.failed;
  } finally {
    await wallet?.stop();
  }
}

/** The first SIGINT or SIGTERM: as a promise of its name, and as an abort signal. */
function stopSignal(): { readonly received: Promise<NodeJS.Signals>; readonly aborted: AbortSignal } {
  const controller = new AbortController();
  const received = new Promise<NodeJS.Signals>((resolve) => {
    let first: NodeJS.Signals | undefined;
    const onSignal = (name: NodeJS.Signals): void => {
      // Later signals (a terminal sends SIGINT to npm and to the service alike) are ignored:
      // the grace period already bounds the shutdown.
      if (first !== undefined) return;
      resolve((first = name));
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { received, aborted: controller.signal };
}

/** The engine's options: the journal, nothing, or PostgreSQL. */
function engineOptions(config: ServiceConfig, logger: Logger): WalletOptions {
  const engine = { currency: config.currency, initialBalance: config.initialBalance, requireToken: config.requireToken };
  if (config.databaseUrl !== undefined) {
    return {
      ...engine,
      database: { url: config.databaseUrl, commitTimeout: config.commitTimeout, retentionDays: config.retentionDays },
      logger,
    };
  }
  // The embedded store logs its memory guard's changes, and takes its limit.
  const embedded = { ...engine, logger, ...(config.memoryLimit === undefined ? {} : { memoryLimit: config.memoryLimit }) };
  return config.dataDir === undefined ? embedded : { ...embedded, journal: resolve(config.dataDir), snapshotEvery: config.snapshotEvery };
}

/** The start banner, on standard error: standard output is the JSON log stream. */
function printBanner(config: ServiceConfig, wallet: Wallet, address: string): void {
  const unsigned = config.verify ? undefined : config.dev ? '--dev' : '--no-verify';
  process.stderr.write(
    [
      `Exwallet ${VERSION} listening on ${address} (pid ${process.pid})`,
      config.databaseUrl !== undefined
        ? `Store: PostgreSQL ${redacted(config.databaseUrl)}${cluster.isWorker ? ` (worker ${cluster.worker?.id ?? ''})` : ''}`
        : config.dataDir === undefined
        ? 'Journal: none (--in-memory): balances are lost on exit'
        : `Journal: ${resolve(config.dataDir)} (recovered ${wallet.journal?.recovery.records ?? 0} records${wallet.journal?.recovery.truncatedBytes ? `, cut a torn tail of ${wallet.journal.recovery.truncatedBytes} bytes` : ''})`,
      unsigned === undefined ? 'Request signatures: verified with the Hub88 public key' : `Request signatures: NOT verified (${unsigned})`,
      `Response signatures: ${config.privateKeyFile === undefined ? 'off' : 'on'}`,
      `Admin routes: ${config.adminToken === undefined ? 'off' : 'on'}; /metrics: ${config.metricsToken === undefined ? 'off' : 'on'}`,
      `Session tokens: ${config.requireToken ? 'required on bets and balance calls (--require-token)' : 'not checked'}`,
      `New users: ${config.currency} ${config.initialBalance}`,
      config.demoUsers > 0 ? `Demo users: demo-1 ... demo-${config.demoUsers}` : 'Demo users: none',
      '',
    ].join('\n'),
  );
  if (unsigned !== undefined) {
    process.stderr.write(
      `exwallet: WARNING: request signatures are NOT verified (${unsigned}): anyone who can reach ${address} can move balances. Give --hub88-public-key to verify them.\n`,
    );
  }
}

function readKey(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new StartError(`cannot read ${what} ${file}: ${(error as Error).message}`, EXIT.usage);
  }
}

function listenFailure(config: ServiceConfig, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const where = config.host.includes(':') ? `[${config.host}]:${config.port}` : `${config.host}:${config.port}`;
  const reason = code !== undefined && code in LISTEN_ERRORS ? LISTEN_ERRORS[code] : (error as Error).message;
  return `cannot listen on ${where}: ${reason}`;
}

/** A database URL without its password, for printing. */
function redacted(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
