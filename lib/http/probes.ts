import type { FastifyInstance } from 'fastify';
import type { Wallet } from '../index.js';
import type { StatsCache } from './stats.js';

/**
 * The probes, open to anyone, so they never tell why the store cannot serve (a database's
 * address, a journal's path): the reason goes to the log.
 *
 * - `GET /livez`: the process serves HTTP; 200 unless it is stopping (then 503). For a liveness
 *   probe: it stays 200 through a database outage, which a restart would not cure.
 * - `GET /readyz`: the store can commit; 200, or 503 while it cannot or while the service stops.
 *   For a readiness probe or a load balancer's health check.
 * - `GET /healthz`: kept for existing checks: 200 with the embedded store's counts, or 503 while
 *   the store cannot commit.
 */
export function registerProbes(app: FastifyInstance, wallet: Wallet, stats: StatsCache): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const stopping = (): boolean => closing;

  app.get('/livez', async (_request, reply) => (stopping() ? reply.code(503).send({ status: 'stopping' }) : { status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    if (stopping()) return reply.code(503).send({ status: 'stopping' });
    const health = await wallet.health();
    if (health.ok) return { status: 'ok', store: health.store };
    request.log.warn({ store: health.store, detail: health.detail }, 'not ready: the store cannot commit');
    return reply.code(503).send({ status: 'unavailable', store: health.store });
  });

  app.get('/healthz', async (request, reply) => {
    const health = await wallet.health();
    if (!health.ok) {
      request.log.warn({ store: health.store, detail: health.detail }, 'unhealthy: the store cannot commit');
      return reply.code(503).send({ status: 'unavailable', store: health.store });
    }
    // Counting PostgreSQL's tables on every probe would be a scan each time: its counts are on /metrics.
    if (!stats.live) return { status: 'ok', store: health.store };
    const { users, transactions } = await stats.get();
    return { status: 'ok', store: health.store, users, transactions };
  });
}
