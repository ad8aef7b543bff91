import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Status } from '../../../lib/index.js';
import { signBody } from '../../../lib/http/index.js';
import { betBody, Ids } from '../../support/helpers.js';
import { HUB88_PRIVATE } from '../../support/http.js';
import { exwallet, npmStart, rawPost, rawSocket, receivedMatching, type Service } from '../../support/process.js';

const HUB88_PUBLIC_FILE = fileURLToPath(new URL('../../fixtures/hub88-public.pem', import.meta.url));

let service: Service | undefined;
let dataDir: string | undefined;
afterEach(() => {
  service?.kill();
  service = undefined;
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

function freshDataDir(): string {
  dataDir = mkdtempSync(join(tmpdir(), 'exwallet-shutdown-'));
  return dataDir;
}

/** Resolves true if something accepts connections on the port, false if it is refused. */
async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The status line and the JSON body of one HTTP response received as raw text. */
function parseResponse(text: string): { statusLine: string; headers: string; body: unknown } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0] ?? '', headers: head.toLowerCase(), body: JSON.parse(body) as unknown };
}

describe('SIGTERM answers every request already received, closes kept-alive connections, and exits 0 within the grace period', () => {
  it('drains a journaled service with keep-alive clients', async () => {
    service = exwallet(['--dev', '--port', '0', '--data-dir', freshDataDir(), '--log-level', 'silent', '--shutdown-grace', '8000']);
    const { port } = await service.listening();
    const ids = new Ids();

    // An idle kept-alive connection: one request answered, then nothing.
    const idle = await rawSocket(port);
    idle.socket.write(rawPost('/user/balance', { user: 'demo-1', request_uuid: ids.next() }));
    await receivedMatching(idle, /"status":"RS_OK"/);

    // A request in flight: its headers and half its body are in before the signal.
    const bet = JSON.stringify(betBody(ids, { user: 'demo-2', amount: 700 }));
    const inFlight = await rawSocket(port);
    const head = `POST /transaction/bet HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Length: ${Buffer.byteLength(bet)}\r\n\r\n`;
    inFlight.socket.write(head + bet.slice(0, 20));

    // A whole request written just before the signal.
    const written = await rawSocket(port);
    const before = performance.now();
    await new Promise<void>((resolve) => written.socket.write(rawPost('/user/balance', { user: 'demo-3', request_uuid: ids.next() }), () => resolve()));
    service.child.kill('SIGTERM');

    await service.output(/Received SIGTERM; closing/, 'stderr');
    inFlight.socket.write(bet.slice(20));

    const answer = parseResponse(await receivedMatching(inFlight, /\r\n\r\n.*\}$/s));
    expect(answer.statusLine).toBe('HTTP/1.1 200 OK');
    expect(answer.headers).toContain('connection: close');
    expect(answer.body).toMatchObject({ user: 'demo-2', status: Status.OK, balance: 99_300 });
    expect(parseResponse(await receivedMatching(written, /\r\n\r\n.*\}$/s)).body).toMatchObject({ user: 'demo-3', status: Status.OK });

    await Promise.all([idle.closed, inFlight.closed, written.closed]);
    const { code } = await service.exited;
    expect(code).toBe(0);
    expect(performance.now() - before).toBeLessThan(8000);
    expect(service.stderr).toContain('Closed');

    // The bet answered during the shutdown is in the journal.
    service = exwallet(['--dev', '--port', '0', '--data-dir', dataDir as string, '--log-level', 'silent']);
    const { url } = await service.listening();
    const balance = await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-2', request_uuid: ids.next() }) });
    expect(await balance.json()).toMatchObject({ balance: 99_300 });
  });
});

describe('past the grace period, connections are closed by force and the exit code is 1', () => {
  it('exits 1 soon after the grace period while a request never finishes arriving', async () => {
    const grace = 500;
    service = exwallet(['--dev', '--port', '0', '--data-dir', freshDataDir(), '--log-level', 'silent', '--shutdown-grace', String(grace), '--request-timeout', '60000']);
    const { port } = await service.listening();
    const stuck = await rawSocket(port);
    stuck.socket.write('POST /transaction/bet HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{"user":');
    // The request has begun once the service is serving other connections after it.
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const before = performance.now();
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    const elapsed = performance.now() - before;
    expect(code).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(grace - 50);
    expect(elapsed).toBeLessThan(grace + 3000);
    expect(service.stderr).toContain(`requests still open after the ${grace} ms grace period`);
    await stuck.closed;
  });
});

describe('npm start is the developer mode and stops on SIGTERM', () => {
  it('verifies signatures when given a key, and stops serving when npm is sent SIGTERM', async () => {
    service = npmStart(['--port', '0', '--data-dir', freshDataDir(), '--log-level', 'silent', '--hub88-public-key', HUB88_PUBLIC_FILE]);
    const { url, port } = await service.listening();
    expect(service.stderr).toContain('Request signatures: verified');
    expect(service.stderr).toContain('Demo users: demo-1 ... demo-10');

    const ids = new Ids();
    const unsigned = await fetch(`${url}/transaction/bet`, { method: 'POST', body: JSON.stringify(betBody(ids, { user: 'demo-1' })) });
    expect(await unsigned.json()).toMatchObject({ status: Status.INVALID_SIGNATURE });
    const payload = JSON.stringify(betBody(ids, { user: 'demo-1' }));
    const signed = await fetch(`${url}/transaction/bet`, { method: 'POST', headers: { 'x-hub88-signature': signBody(payload, HUB88_PRIVATE) }, body: payload });
    expect(await signed.json()).toMatchObject({ status: Status.OK, balance: 99_900 });

    service.child.kill('SIGTERM');
    await service.exited;
    expect(service.stderr).toContain('Received SIGTERM');
    expect(await accepting(port)).toBe(false);
  });

  it('runs without verification and says so when given no key', async () => {
    service = npmStart(['--port', '0', '--data-dir', freshDataDir(), '--log-level', 'silent']);
    const { url } = await service.listening();
    expect(service.stderr).toContain('NOT verified (--dev)');
    const response = await fetch(`${url}/transaction/bet`, { method: 'POST', body: JSON.stringify(betBody(new Ids(), { user: 'demo-10' })) });
    expect(await response.json()).toMatchObject({ status: Status.OK });
    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
  });
});
