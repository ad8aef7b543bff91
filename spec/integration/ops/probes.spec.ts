/**
 * The probes: /livez for liveness, /readyz for readiness, /healthz kept for existing checks.
 * Open to anyone, so they never say why the store cannot serve: that goes to the log.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { start, type Wallet } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';
import { freePort } from '../../../test-support/postgres.js';
import { LogLines } from '../../support/http.js';

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function serve(wallet: Wallet): Promise<{ app: FastifyInstance; logs: LogLines }> {
  const logs = new LogLines();
  const app = buildServer({ wallet, verifySignatures: false, logDestination: logs });
  opened.push(async () => {
    await app.close();
    await wallet.stop();
  });
  await app.ready();
  return { app, logs };
}

/** An engine on a PostgreSQL URL where no server listens: its store cannot commit. */
async function unreachableDatabase(): Promise<{ wallet: Wallet; port: number }> {
  const port = await freePort();
  return { wallet: start({ database: { url: `postgres://postgres@127.0.0.1:${port}/wallet`, commitTimeout: 1_000 } }), port };
}

describe('GET /livez: the process serves HTTP, whatever the store', () => {
  it('answers 200 with the embedded store and while the database cannot be reached', async () => {
    const memory = await serve(start());
    expect((await memory.app.inject({ method: 'GET', url: '/livez' })).json()).toEqual({ status: 'ok' });
    const { wallet } = await unreachableDatabase();
    const down = await serve(wallet);
    const response = await down.app.inject({ method: 'GET', url: '/livez' });
    expect({ code: response.statusCode, body: response.json() }).toEqual({ code: 200, body: { status: 'ok' } });
  });
});

describe('GET /readyz: the store can commit', () => {
  it('answers 200 with the store while it can', async () => {
    const { app } = await serve(start());
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect({ code: response.statusCode, body: response.json() }).toEqual({ code: 200, body: { status: 'ok', store: 'memory' } });
  });

  it('answers 503 while the database cannot be reached', async () => {
    const { wallet } = await unreachableDatabase();
    const { app } = await serve(wallet);
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect({ code: response.statusCode, body: response.json() }).toEqual({ code: 503, body: { status: 'unavailable', store: 'postgres' } });
  });
});

describe('the probes never tell an unauthenticated caller why the store cannot serve; the log does', () => {
  it.each(['/healthz', '/readyz'])('%s keeps the database address out of its answer and writes the reason to the log', async (url) => {
    const { wallet, port } = await unreachableDatabase();
    const { app, logs } = await serve(wallet);
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', store: 'postgres' });
    expect(response.body).not.toContain(String(port));
    expect(response.body).not.toContain('127.0.0.1');
    const warning = logs.lines.find((line) => line.level === 40 && typeof line.detail === 'string');
    expect(warning?.detail).toContain(`127.0.0.1:${port}`);
  });
});
