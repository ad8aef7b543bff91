import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { start, type Wallet } from '../../lib/index.js';
import { buildServer, signBody, type ServerOptions } from '../../lib/http/index.js';

export const key = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}.pem`, import.meta.url));
export const HUB88_PRIVATE = key('hub88-private');
export const HUB88_PUBLIC = key('hub88-public');
export const OPERATOR_PRIVATE = key('operator-private');
export const OPERATOR_PUBLIC = key('operator-public');
export const INTRUDER_PRIVATE = key('intruder-private');
/** The admin token of {@link service}: long enough to be accepted. */
export const ADMIN_TOKEN = 'admin-secret-0123456789';
/** The metrics token of {@link service}: another secret than the admin token. */
export const METRICS_TOKEN = 'metrics-secret-0123456789';

/** Collects the service's log lines. */
export class LogLines implements DestinationStream {
  readonly lines: Array<Record<string, unknown>> = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
}

/** A service over a fresh engine with alice and bob, verifying Hub88 signatures and signing responses. */
export async function service(options: ServerOptions = {}): Promise<{ app: FastifyInstance; wallet: Wallet; logs: LogLines }> {
  const wallet = start();
  await wallet.createUsers(['alice', 'bob']);
  const logs = new LogLines();
  const app = buildServer({
    wallet,
    hub88PublicKey: HUB88_PUBLIC,
    privateKey: OPERATOR_PRIVATE,
    adminToken: ADMIN_TOKEN,
    metricsToken: METRICS_TOKEN,
    logDestination: logs,
    ...options,
  });
  await app.ready();
  return { app, wallet, logs };
}

/** POSTs a body signed with Hub88's key (or another), as Hub88 sends it. */
export function signedPost(app: FastifyInstance, url: string, body: unknown, signingKey: Buffer = HUB88_PRIVATE) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': 'application/json', 'x-hub88-signature': signBody(payload, signingKey) },
  });
}
