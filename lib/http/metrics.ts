import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Wallet } from '../index.js';
import { clusterScrape, clusterWorkerId } from './cluster-metrics.js';
import type { StatsCache } from './stats.js';

/** Latency buckets in seconds: from an in-memory answer (well under 1 ms) to a slow commit. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

let processMetrics: Registry | undefined;

/**
 * The process's own metrics (heap, event-loop lag, CPU, GC, handles), collected once per
 * process: they are the same for every server in it, and each collector keeps a monitor running
 * for the life of the process.
 */
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/** What one route (method and path) has answered: its counts by HTTP code and wallet status, and its latencies. */
class RouteFigures {
  /** Requests answered, by HTTP code and wallet status (key: code, space, status). */
  readonly outcomes = new Map<string, { readonly code: number; readonly status: string; answered: number }>();
  /** Latencies in each bucket of {@link LATENCY_BUCKETS}, not cumulative; the last is past the largest bound. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  count = 0;
  sum = 0;

  constructor(
    readonly method: string,
    readonly route: string,
  ) {}
}

/**
 * The HTTP figures of one server, counted as each request completes: a few `Map` lookups and
 * additions, no label objects hashed and validated per request as prom-client's `inc()` and
 * `observe()` do. prom-client reads them at each scrape, as the counter
 * `exwallet_http_requests_total` and the histogram `exwallet_http_request_duration_seconds`,
 * the same samples those would give.
 */
export class RequestFigures {
  readonly #routes = new Map<string, RouteFigures>();

  /** Counts a request answered with HTTP `code` and wallet `status` ('' for none) after `seconds`. */
  observe(method: string, route: string, code: number, status: string, seconds: number): void {
    const key = `${method} ${route}`;
    let figures = this.#routes.get(key);
    if (figures === undefined) this.#routes.set(key, (figures = new RouteFigures(method, route)));
    const outcomeKey = `${code} ${status}`;
    const outcome = figures.outcomes.get(outcomeKey);
    if (outcome === undefined) figures.outcomes.set(outcomeKey, { code, status, answered: 1 });
    else outcome.answered += 1;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] as number)) bucket += 1;
    figures.buckets[bucket] = (figures.buckets[bucket] as number) + 1;
    figures.count += 1;
    figures.sum += seconds;
  }

  /** Every route's figures, in the order first seen. */
  routes(): IterableIterator<RouteFigures> {
    return this.#routes.values();
  }
}

/**
 * The latency histogram as prom-client's `Histogram` shows it (`_bucket` samples with `le`
 * cumulative, `_sum`, `_count`, summed across workers), read from {@link RequestFigures}.
 */
export function latencyHistogram(name: string, help: string, figures: RequestFigures): Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const route of figures.routes()) {
        const labels = { method: route.method, route: route.route };
        let cumulative = 0;
        LATENCY_BUCKETS.forEach((bound, i) => {
          cumulative += route.buckets[i] as number;
          values.push({ metricName: `${name}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
        });
        values.push(
          { metricName: `${name}_bucket`, labels: { le: '+Inf', ...labels }, value: route.count },
          { metricName: `${name}_sum`, labels: { ...labels }, value: route.sum },
          { metricName: `${name}_count`, labels: { ...labels }, value: route.count },
        );
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset(): void {},
  };
  return metric as unknown as Metric;
}

/**
 * Adds `GET /metrics` (Prometheus text format) behind `guard`, and counts every request from
 * then on. Each server has a registry of its own, so several servers in one process keep
 * their counts apart; the process's metrics are shared. Store figures are read on scrape: the
 * commit totals from {@link Wallet.metrics}, the counts of users and stored transactions from
 * `stats` (see {@link StatsCache}: cheap with either store). In a worker of `--workers` (see
 * `scrapeThroughPrimary`) a scrape answers for every worker. The requests themselves are counted
 * in `figures`, which the server feeds as each request completes (see {@link RequestFigures}).
 */
export function registerMetrics(app: FastifyInstance, wallet: Wallet, stats: StatsCache, guard: preHandlerHookHandler, figures: RequestFigures): void {
  const own = new Registry();
  const registers = [own];

  new Counter({
    name: 'exwallet_http_requests_total',
    help: 'HTTP requests answered, by route, HTTP code and wallet status (empty for routes that answer none)',
    labelNames: ['method', 'route', 'code', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const route of figures.routes()) {
        for (const { code, status, answered } of route.outcomes.values()) this.inc({ method: route.method, route: route.route, code, status }, answered);
      }
    },
  });
  own.registerMetric(latencyHistogram('exwallet_http_request_duration_seconds', 'Time from a request received to its answer sent, by route', figures));

  // Running totals kept by the store, read at each scrape.
  const totals = [
    ['exwallet_store_commits_total', 'Store commits: journal writes (one fdatasync each) or database transactions', 'commits'],
    ['exwallet_store_committed_requests_total', 'Requests carried by those commits (their ratio to commits is the mean batch size)', 'committedRequests'],
    ['exwallet_store_commit_seconds_total', 'Seconds spent committing, summed', 'commitSeconds'],
  ] as const;
  for (const [name, help, field] of totals) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(wallet.metrics()[field]);
      },
    });
  }

  // Counted on scrape; an unreachable database keeps the last counts (its health is /healthz's).
  for (const [name, help, field] of [
    ['exwallet_users', 'Users stored', 'users'],
    ['exwallet_transactions', 'Transactions stored (successful ones, until retention drops them)', 'transactions'],
  ] as const) {
    new Gauge({
      name,
      help,
      registers,
      // Every worker counts the same shared database: across workers, the largest (latest) count.
      aggregator: 'max',
      async collect() {
        try {
          this.set((await stats.get())[field]);
        } catch {
          // Keep the last value.
        }
      },
    });
  }

  const registry = Registry.merge([processRegistry(), own]);
  const worker = clusterWorkerId();
  if (worker !== undefined) {
    // Counters stay unlabelled and are summed; the process's own figures are each worker's.
    processRegistry().setDefaultLabels({ worker: String(worker) });
    AggregatorRegistry.setRegistries([processRegistry(), own]);
  }

  app.get('/metrics', { preHandler: guard }, async (request, reply) => {
    if (worker === undefined) return reply.type(registry.contentType).send(await registry.metrics());
    const answer = await clusterScrape();
    if (answer.text !== undefined) return reply.type(registry.contentType).send(answer.text);
    request.log.warn({ reason: answer.error }, 'metrics: a worker did not answer the scrape');
    return reply.code(503).send({ error: 'the workers did not all answer; try again' });
  });
}
