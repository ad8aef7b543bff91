import postgres from 'postgres';

/**
 * `query`, except that it never settles once its connection is lost: the transaction then fails
 * through the closed connection. Failing it here would make postgres.js send ROLLBACK on that
 * connection, and a write on a closed connection throws from a timer (porsager/postgres#1208),
 * which ends the process.
 */
export function unlessConnectionLost<T>(query: Promise<T>): Promise<T> {
  return query.catch((error: unknown) => {
    // A server ending the session, or a socket or connection error (they carry an errno; a bad query does not).
    const lost =
      error instanceof postgres.PostgresError
        ? error.severity === 'FATAL' || error.severity === 'PANIC'
        : (error as { errno?: unknown } | null)?.errno !== undefined;
    return lost ? new Promise<never>(() => {}) : Promise.reject(error);
  });
}
