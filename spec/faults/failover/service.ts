/**
 * Service processes for the failover tests: the real CLI (`lib/bin.ts`), on PostgreSQL, on a
 * free port, with the demo users the load plays with.
 */
import { get } from 'node:http';
import { exwallet, type Service } from '../../support/process.js';

/** Every process started here and not yet known to have exited. */
const live = new Set<Service>();

/** A running service process and its base URL. */
export class WalletProcess {
  constructor(
    readonly process: Service,
    readonly url: string,
  ) {}

  /** SIGKILL, resolved once the process has exited. */
  async kill9(): Promise<void> {
    this.process.kill();
    await this.process.exited;
    live.delete(this.process);
  }

  /** SIGTERM (SIGKILL if it has not exited within 20 s), resolved once it has exited. Idempotent. */
  async stop(): Promise<void> {
    const { child } = this.process;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const forced = setTimeout(() => this.process.kill(), 20_000);
    await this.process.exited;
    clearTimeout(forced);
    live.delete(this.process);
  }
}

/**
 * Starts `exwallet --database-url URL` with `users` demo users (`demo-1` …, USD 100,000 each,
 * created only if missing) and resolves once it listens.
 */
export async function startService(databaseUrl: string, options: { readonly users: number; readonly commitTimeout: number }): Promise<WalletProcess> {
  const service = exwallet([
    '--database-url',
    databaseUrl,
    '--port',
    '0',
    '--no-verify',
    '--demo-users',
    String(options.users),
    '--commit-timeout',
    String(options.commitTimeout),
    '--log-level',
    'error',
  ]);
  live.add(service);
  try {
    const { url } = await service.listening();
    return new WalletProcess(service, url);
  } catch (error) {
    service.kill();
    await service.exited;
    live.delete(service);
    throw error;
  }
}

/** Kills every service process still running: the clean-up of a failed test. */
export async function killAllServices(): Promise<void> {
  const services = [...live];
  live.clear();
  for (const service of services) service.kill();
  await Promise.all(services.map((service) => service.exited));
}

/** The HTTP status of `GET /healthz`, on a connection of its own. */
export function healthStatus(baseUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(`${baseUrl}/healthz`, { agent: false, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy(new Error('GET /healthz timed out')));
    request.on('error', reject);
  });
}

/** Asks `GET /healthz` again, one request after another, until it answers `status`. */
export async function healthBecomes(baseUrl: string, status: number, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 0;
  while (performance.now() < deadline) {
    last = await healthStatus(baseUrl);
    if (last === status) return;
  }
  throw new Error(`GET /healthz still answered ${last}, not ${status}, after ${timeoutMs} ms`);
}

/** `error` with the last output of each process appended, for a failure message that explains itself. */
export function withOutput(error: unknown, processes: readonly WalletProcess[]): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  const outputs = processes.map(({ process, url }) => `--- service ${url}:\n${process.stdout.slice(-2_000)}${process.stderr.slice(-2_000)}`);
  failure.message += `\n${outputs.join('\n')}`;
  return failure;
}
