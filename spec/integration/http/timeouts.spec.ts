import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { buildServer, DEFAULT_TIMEOUTS, type ServerOptions } from '../../../lib/http/index.js';
import { start, type Wallet } from '../../../lib/index.js';
import { LogLines } from '../../support/http.js';
import { rawSocket, type RawSocket } from '../../support/process.js';

let app: FastifyInstance | undefined;
let wallet: Wallet | undefined;
let timer: NodeJS.Timeout | undefined;
afterEach(async () => {
  clearInterval(timer);
  await app?.close();
  await wallet?.stop();
  app = undefined;
  wallet = undefined;
});

/** A service over loopback with short timeouts, and a raw connection to it. */
async function connected(timeouts: ServerOptions): Promise<RawSocket> {
  wallet = start();
  await wallet.createUsers(['alice']);
  app = buildServer({ wallet, verifySignatures: false, logDestination: new LogLines(), ...timeouts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return rawSocket((app.server.address() as { port: number }).port);
}

/** Milliseconds until the server closes the connection. */
async function closedAfter(raw: RawSocket, since: number): Promise<number> {
  await raw.closed;
  return performance.now() - since;
}

const HEADERS = 'POST /transaction/bet HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';

// Node.js checks for late requests every quarter of the shortest timeout; the margin covers
// that and a loaded machine.
const MARGIN = 3000;

describe('a request whose body stops arriving is cut at the request timeout', () => {
  it('closes a connection that sent its headers and part of its body, then stalled', async () => {
    const raw = await connected({ headersTimeout: 200, requestTimeout: 400, idleTimeout: 60_000 });
    const since = performance.now();
    raw.socket.write(`${HEADERS}{"user":"alice",`);
    const elapsed = await closedAfter(raw, since);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(400 + MARGIN);
    expect(raw.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(wallet?.transactionCount).toBe(0);
  });

  it('closes a connection that trickles its body one byte at a time', async () => {
    const raw = await connected({ headersTimeout: 200, requestTimeout: 400, idleTimeout: 60_000 });
    const since = performance.now();
    raw.socket.write(HEADERS);
    // The trickle keeps the connection busy, so only the request timeout can end it.
    timer = setInterval(() => raw.socket.write(' '), 20);
    const elapsed = await closedAfter(raw, since);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(400 + MARGIN);
    expect(raw.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });
});

describe('headers that stop arriving are cut at the headers timeout', () => {
  it('closes a connection that trickles its headers', async () => {
    const raw = await connected({ headersTimeout: 300, requestTimeout: 60_000, idleTimeout: 60_000 });
    const since = performance.now();
    raw.socket.write('POST /transaction/bet HTTP/1.1\r\n');
    timer = setInterval(() => raw.socket.write('X-Slow: 1\r\n'), 20);
    const elapsed = await closedAfter(raw, since);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(300 + MARGIN);
    expect(raw.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });
});

describe('a silent connection is closed at the idle timeout', () => {
  it('closes a connection that never sends a byte', async () => {
    const raw = await connected({ idleTimeout: 300 });
    const since = performance.now();
    const elapsed = await closedAfter(raw, since);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(300 + MARGIN);
    expect(raw.received()).toBe('');
  });

  it('closes a connection that stalls mid-body before the request timeout', async () => {
    const raw = await connected({ headersTimeout: 60_000, requestTimeout: 60_000, idleTimeout: 300 });
    const since = performance.now();
    raw.socket.write(`${HEADERS}{"user":`);
    const elapsed = await closedAfter(raw, since);
    expect(elapsed).toBeLessThan(300 + MARGIN);
    expect(wallet?.transactionCount).toBe(0);
  });
});

describe('a kept-alive connection waits for its next request for the keep-alive timeout', () => {
  it('closes it that long after the last response', async () => {
    const raw = await connected({ keepAliveTimeout: 300 });
    raw.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise<void>((resolve) => raw.socket.once('data', () => resolve()));
    const since = performance.now();
    const elapsed = await closedAfter(raw, since);
    expect(raw.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(elapsed).toBeLessThan(300 + MARGIN);
  });
});

describe('timeouts have bounded defaults and are checked', () => {
  it('defaults to 10 s for headers, 30 s for a request, 60 s idle and 72 s between kept-alive requests', () => {
    expect(DEFAULT_TIMEOUTS).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, idleTimeout: 60_000, keepAliveTimeout: 72_000 });
  });

  it.each<[string, ServerOptions]>([
    ['a zero request timeout', { requestTimeout: 0 }],
    ['a fractional idle timeout', { idleTimeout: 1.5 }],
    ['headers allowed longer than the request', { headersTimeout: 2000, requestTimeout: 1000 }],
  ])('refuses %s', (_, timeouts) => {
    expect(() => buildServer({ verifySignatures: false, logLevel: 'silent', ...timeouts })).toThrow(/Timeout/);
  });
});
