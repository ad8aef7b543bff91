import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Wallet } from '../index.js';
import { clusterScrape, clusterWorkerId } from './cluster-metrics.js';
import type { StatsCache } from './stats.js';

/** Latency buckets in seconds: from an in-memory answer (well under 1 ms) to a slow commit. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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

/**
 * Adds `GET /metrics` (Prometheus text format) behind `guard`, and counts every request from
 * then on. Each server has a registry of its own, so several servers in one process keep
 * their counts apart; the process's metrics are shared. Store figures are read on scrape: the
 * commit totals from {@link Wallet.metrics}, the counts of users and stored transactions from
 * `stats` (see {@link StatsCache}: cheap with either store). In a worker of `--workers` (see
 * `scrapeThroughPrimary`) a scrape answers for every worker.
 */
export function registerMetrics(app: FastifyInstance, wallet: Wallet, stats: StatsCache, guard: preHandlerHookHandler): void {
  const own = new Registry();
  const registers = [own];

  const requests = new Counter({
    name: 'exwallet_http_requests_total',
    help: 'HTTP requests answered, by route, HTTP code and wallet status (empty for routes that answer none)',
    labelNames: ['method', 'route', 'code', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'exwallet_http_request_duration_seconds',
    help: 'Time from a request received to its answer sent, by route',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });

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

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, code: reply.statusCode, status: request.walletStatus ?? '' });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { preHandler: guard }, async (request, reply) => {
    if (worker === undefined) return reply.type(registry.contentType).send(await registry.metrics());
    const answer = await clusterScrape();
    if (answer.text !== undefined) return reply.type(registry.contentType).send(answer.text);
    request.log.warn({ reason: answer.error }, 'metrics: a worker did not answer the scrape');
    return reply.code(503).send({ error: 'the workers did not all answer; try again' });
  });
}
