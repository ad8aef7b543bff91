import cluster, { type Worker } from 'node:cluster';

/** A worker that dies this soon after it started is not restarted: something is wrong with the configuration. */
const MIN_UPTIME = 5_000;

/**
 * The primary process of `--workers N`: forks N service processes that share the port (each
 * runs the service on the PostgreSQL store), restarts one that dies while serving, and on SIGINT
 * or SIGTERM passes the signal on and waits for every worker to finish its shutdown. Resolves
 * to the exit code: 0 when every worker closed cleanly at the end.
 */
export function superviseWorkers(count: number): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    let exitCode = 0;
    const started = new Map<Worker, number>();
    const fork = (): void => {
      started.set(cluster.fork(), performance.now());
    };
    cluster.on('exit', (worker, code, signal) => {
      const uptime = performance.now() - (started.get(worker) ?? 0);
      started.delete(worker);
      // The exit code tells how the shutdown went; a worker replaced earlier was logged then.
      if (code !== 0 && (stopping || uptime < MIN_UPTIME)) exitCode = 1;
      if (!stopping && uptime >= MIN_UPTIME) {
        process.stderr.write(`exwallet: worker ${worker.process.pid ?? '?'} exited (${signal ?? `code ${code}`}); starting another\n`);
        fork();
      } else if (!stopping) {
        process.stderr.write(`exwallet: worker ${worker.process.pid ?? '?'} failed at start (${signal ?? `code ${code}`}); stopping\n`);
        stop('SIGTERM');
      }
      if (started.size === 0) resolve(exitCode);
    });
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      for (const worker of started.keys()) worker.process.kill(signal);
    };
    // `on`, not `once`: a terminal's Ctrl-C reaches npm and this process alike, and a second signal
    // must not end the primary while its workers drain.
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    for (let i = 0; i < count; i += 1) fork();
  });
}
