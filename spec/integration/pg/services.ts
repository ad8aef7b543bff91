/**
 * Real `exwallet` service processes on one PostgreSQL database, for the cross-process tests:
 * started through the CLI as an operator would, waited for by their banners, and SIGKILLed in
 * clean-up whatever state a failed test left them in.
 */
import postgres from 'postgres';
import { exwallet, type Service } from '../../support/process.js';

/** The admin token every service here is started with. */
export const ADMIN_TOKEN = 'pg-processes-admin-token';

/** A service process and the address and pids its banners announced (one per worker). */
export interface RunningService {
  readonly service: Service;
  readonly url: string;
  readonly pids: number[];
}

/** Every process started here and every pid a banner named, until {@link killAll}. */
const started = new Set<Service>();
const announced = new Set<number>();

const BANNER = /listening on (http:\/\/[\d.]+:\d+) \(pid (\d+)\)/g;

/** The banners printed so far: `[url, pid]` of each service process that is listening. */
export function bannersOf(service: Service): Array<{ url: string; pid: number }> {
  return [...service.stderr.matchAll(BANNER)].map((match) => ({ url: match[1] as string, pid: Number(match[2]) }));
}

/** Resolves once `count` banners were printed; rejects if the process exits first or after `timeoutMs`. */
export function banners(service: Service, count: number, timeoutMs = 30_000): Promise<Array<{ url: string; pid: number }>> {
  const printed = new Promise<Array<{ url: string; pid: number }>>((resolve, reject) => {
    const check = (): void => {
      const found = bannersOf(service);
      for (const { pid } of found) announced.add(pid);
      if (found.length < count) return;
      service.child.stderr.off('data', check);
      resolve(found);
    };
    service.child.stderr.on('data', check);
    void service.exited.then(({ code, signal }) =>
      reject(new Error(`exited (${signal ?? String(code)}) before ${count} banners: ${service.stdout}${service.stderr}`)),
    );
    check();
  });
  return within(timeoutMs, `${count} banners`, printed, service);
}

/** `promise`, or a rejection naming `what` (and the process's output so far) after `timeoutMs`. */
export function within<T>(timeoutMs: number, what: string, promise: Promise<T>, service?: Service): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${service === undefined ? '' : `: ${service.stdout}${service.stderr}`}`)), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Starts `exwallet --database-url URL --port 0 --no-verify` (plus `args`) and resolves once
 * `workers` service processes have printed their banners.
 */
export async function startService(databaseUrl: string, args: readonly string[] = [], workers = 1): Promise<RunningService> {
  const service = exwallet([
    '--database-url',
    databaseUrl,
    '--port',
    '0',
    '--no-verify',
    '--log-level',
    'warn',
    '--admin-token',
    ADMIN_TOKEN,
    ...args,
  ]);
  started.add(service);
  const found = await banners(service, workers);
  const url = found[0]?.url as string;
  return { service, url, pids: found.map(({ pid }) => pid) };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every process started here and every service process a banner named. */
export function killAll(): void {
  for (const service of started) service.kill();
  for (const pid of announced) if (alive(pid)) process.kill(pid, 'SIGKILL');
  started.clear();
  announced.clear();
}

/** Resolves once `condition` holds, checking every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `task` with a one-connection client of the database, closed afterwards. */
export async function withSql<T>(url: string, task: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await task(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Runs `tasks` with at most `limit` under way at once; resolves with their results in order. */
export async function inParallel<T>(limit: number, count: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}
