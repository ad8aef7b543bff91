import { setTimeout as delay } from 'node:timers/promises';
import postgres from 'postgres';
import type { Logger } from 'pino';

/** Connection errors that mean the server is not there yet (starting, restarting, failing over): waited for. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

/** Server answers that mean it is there but not accepting sessions yet: waited for too. */
const NOT_YET = new Set(['57P03' /* cannot_connect_now: starting up */, '53300' /* too_many_connections */, '57P01' /* admin_shutdown */]);

/** Longest pause between two attempts while the server cannot be reached. */
const MAX_PAUSE_MS = 5_000;

/** Thrown when the database answers but cannot be used as configured: waiting would not help. */
export class DatabaseConfigError extends Error {
  readonly code = 'EXWALLET_DATABASE_CONFIG';
}

/**
 * Checks at start that the service can use the database at `url`, so that a mistake stops the
 * start with one line instead of a service answering 503 for ever: a refused login, a missing
 * database, or a user who may not create the store's schema throws {@link DatabaseConfigError}.
 * A server that cannot be reached yet (refused, timed out, starting up) is waited for, each
 * attempt logged, with pauses growing to {@link MAX_PAUSE_MS}. Resolves to `false` if `signal`
 * aborted the wait, `true` once the database can be used.
 */
export async function awaitDatabase(url: string, logger: Logger, signal: AbortSignal): Promise<boolean> {
  for (let attempt = 1, pause = 250; ; attempt += 1, pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    const failure = await probe(url);
    if (failure === undefined) {
      if (attempt > 1) logger.info({ attempts: attempt }, 'the database is reachable');
      return true;
    }
    if (!failure.wait) throw new DatabaseConfigError(failure.reason);
    logger.warn({ attempt, retryInMs: pause, reason: failure.reason }, 'waiting for the database: it cannot be reached yet');
    try {
      await delay(pause, undefined, { signal });
    } catch {
      return false;
    }
  }
}

/** One attempt: undefined when the database can be used, else why not and whether to wait. */
async function probe(url: string): Promise<{ readonly reason: string; readonly wait: boolean } | undefined> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => {}, connection: { application_name: 'exwallet' } });
  try {
    // The store creates its schema with CREATE SCHEMA IF NOT EXISTS, which PostgreSQL checks
    // against the database's CREATE privilege even when the schema exists.
    const [row] = await sql<Array<{ user: string; database: string; create: boolean }>>`
      SELECT current_user AS user, current_database() AS database, has_database_privilege(current_database(), 'CREATE') AS create`;
    if (row?.create === true) return undefined;
    return { wait: false, reason: `permission denied: user "${row?.user ?? '?'}" may not create the exwallet schema in database "${row?.database ?? '?'}" (GRANT CREATE ON DATABASE to it)` };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const text = message ?? String(error);
    if (error instanceof postgres.PostgresError) return { wait: NOT_YET.has(error.code), reason: `${text} (${error.code})` };
    return { wait: code !== undefined && UNREACHABLE.has(code), reason: text };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}
