import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

/** The messages a worker and the primary of `--workers` exchange for one scrape. */
const SCRAPE = 'exwallet:scrape';
interface ScrapeRequest {
  readonly type: typeof SCRAPE;
  readonly id: number;
}
export interface ScrapeAnswer extends ScrapeRequest {
  readonly text?: string;
  readonly error?: string;
}

/** Set in a `--workers` worker: the scrapes it receives are answered for the whole service. */
let clusterWorker: { readonly id: number; readonly pending: Map<number, (answer: ScrapeAnswer) => void>; next: number } | undefined;

/**
 * In a worker of `--workers`: from now on `GET /metrics` answers for the whole service. A
 * scrape reaches one worker, which asks the primary; the primary gathers every worker's
 * metrics (prom-client's AggregatorRegistry over node:cluster): counters and histograms summed,
 * the process's own metrics kept per worker under a `worker` label. Call before the worker's
 * server is built; the primary calls {@link answerClusterScrapes}.
 */
export function scrapeThroughPrimary(): void {
  if (!cluster.isWorker || clusterWorker !== undefined) return;
  // Constructing one makes this worker answer the primary's requests for its metrics.
  new AggregatorRegistry();
  const pending = new Map<number, (answer: ScrapeAnswer) => void>();
  clusterWorker = { id: cluster.worker?.id ?? 0, pending, next: 0 };
  process.on('message', (message: Partial<ScrapeAnswer>) => {
    if (message.type !== SCRAPE || message.id === undefined) return;
    pending.get(message.id)?.(message as ScrapeAnswer);
    pending.delete(message.id);
  });
}

/** In the primary of `--workers`: answers each worker's scrape with every worker's metrics aggregated. */
export function answerClusterScrapes(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: Partial<ScrapeRequest>) => {
    if (message.type !== SCRAPE || message.id === undefined) return;
    const { id } = message;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: SCRAPE, id, text } satisfies ScrapeAnswer),
      (error: Error) => worker.isConnected() && worker.send({ type: SCRAPE, id, error: error.message } satisfies ScrapeAnswer),
    );
  });
}

/** This worker's id once {@link scrapeThroughPrimary} was called in it; otherwise undefined. */
export function clusterWorkerId(): number | undefined {
  return clusterWorker?.id;
}

/** The whole service's metrics in Prometheus text, or why the primary could not gather them. */
export function clusterScrape(): Promise<ScrapeAnswer> {
  const worker = clusterWorker;
  if (worker === undefined) throw new Error('clusterScrape() is for a worker of --workers, after scrapeThroughPrimary()');
  const id = (worker.next += 1);
  return new Promise((resolve) => {
    worker.pending.set(id, resolve);
    process.send?.({ type: SCRAPE, id } satisfies ScrapeRequest);
  });
}

