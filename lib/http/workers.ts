import cluster, { type Worker } from 'node:cluster';
import { answerClusterScrapes } from './cluster-metrics.js';

/** A worker that served this long before it died counts as stable: its replacement starts at once. */
const STABLE_UPTIME_MS = 10_000;

/** The first pause before replacing a worker that died young; it doubles with each such death in a row. */
const FIRST_PAUSE_MS = 500;

/** The longest pause between two starts of a crash-looping worker. */
const MAX_PAUSE_MS = 30_000;

/**
 * The pause before the next start of a worker whose predecessors in its slot died young
 * `deaths` times in a row: none after a stable run, then 0.5 s, 1 s, 2 s ... up to 30 s.
 */
function restartPause(deaths: number): number {
  return deaths === 0 ? 0 : Math.min(FIRST_PAUSE_MS * 2 ** (deaths - 1), MAX_PAUSE_MS);
}

/** One of the N places a worker fills: how its last workers fared. */
interface Slot {
  /** Deaths in a row of workers that died before {@link STABLE_UPTIME_MS}. */
  deaths: number;
  /** A replacement waiting for its pause to end. */
  timer?: NodeJS.Timeout;
}

/**
 * The primary process of `--workers N`: forks N service processes that share the port (each
 * runs the service on the PostgreSQL store) and answers their scrapes of `/metrics` for the
 * whole service. A worker that dies is replaced; one that dies young again and again is
 * replaced after a pause that doubles each time (see {@link restartPause}), so a crash loop is
 * slowed down and never stops the workers that serve. Only a worker that fails at start on its
 * own (an exit code, before any worker listened: the port is taken, a key cannot be read) stops
 * the service, with that worker's exit code. On SIGINT or SIGTERM the signal is passed on and
 * every worker's shutdown awaited. Resolves to the exit code: 0 when every worker closed cleanly
 * at the end.
 */
export function superviseWorkers(count: number): Promise<number> {
  answerClusterScrapes();
  return new Promise((resolve) => {
    let stopping = false;
    let exitCode = 0;
    let everListened = false;
    const running = new Map<Worker, { readonly slot: Slot; readonly started: number }>();
    const slots: Slot[] = Array.from({ length: count }, () => ({ deaths: 0 }));

    const fork = (slot: Slot): void => {
      delete slot.timer;
      running.set(cluster.fork(), { slot, started: performance.now() });
    };
    const finishIfDone = (): void => {
      if (stopping && running.size === 0) resolve(exitCode);
    };

    cluster.on('listening', () => {
      everListened = true;
    });
    cluster.on('exit', (worker, code, signal) => {
      const entry = running.get(worker);
      running.delete(worker);
      if (entry === undefined) return;
      const how = signal ?? `code ${code}`;
      const pid = worker.process.pid ?? '?';
      if (stopping) {
        // The exit code tells how the shutdown went.
        if (code !== 0 && exitCode === 0) exitCode = 1;
      } else if (!everListened && signal === null && code !== 0) {
        process.stderr.write(`exwallet: worker ${pid} failed at start (${how}); stopping\n`);
        exitCode = code;
        stop('SIGTERM');
      } else {
        const { slot, started } = entry;
        slot.deaths = performance.now() - started >= STABLE_UPTIME_MS ? 0 : slot.deaths + 1;
        const pause = restartPause(slot.deaths);
        process.stderr.write(`exwallet: worker ${pid} exited (${how}); starting another${pause === 0 ? '' : ` in ${pause} ms`}\n`);
        if (pause === 0) fork(slot);
        else slot.timer = setTimeout(() => fork(slot), pause);
      }
      finishIfDone();
    });
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      for (const slot of slots) clearTimeout(slot.timer);
      for (const worker of running.keys()) worker.process.kill(signal);
      finishIfDone();
    };
    // `on`, not `once`: a terminal's Ctrl-C reaches npm and this process alike, and a second signal
    // must not end the primary while its workers drain.
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    for (const slot of slots) fork(slot);
  });
}
