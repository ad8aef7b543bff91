import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Wallet } from '../index.js';

/** How a shutdown ended: everything drained, or the grace period ran out first. */
export type ShutdownOutcome = 'drained' | 'forced';

/** What a connection holds of the requests the service took. */
interface Connection {
  /** Requests taken on it whose response is not finished yet. */
  open: number;
  /** The latest request taken on it: once the service stops, its response is the connection's last. */
  last: IncomingMessage | undefined;
}

/**
 * Makes `app.close()` stop as a request's money requires. `close()` first reads what had already
 * arrived (a few turns of the event loop), then stops taking requests. A request whose headers
 * were read before that is taken: judged and answered, even if its body comes later. One read
 * afterwards, including one pipelined behind a taken request on the same connection, is not
 * judged and never answered, and its connection ends once the requests taken on it are answered,
 * so the client sends it again.
 * Every response on a connection is delivered before the connection ends: the last taken
 * request's response carries `Connection: close`, the ones before it keep the connection open.
 */
export function answerWhatWasTaken(app: FastifyInstance): void {
  let stopped = false;
  const connections = new WeakMap<object, Connection>();
  const connectionOf = (socket: object): Connection => {
    let connection = connections.get(socket);
    if (connection === undefined) connections.set(socket, (connection = { open: 0, last: undefined }));
    return connection;
  };

  // The first hook of every route: nothing runs for a request before it is taken or turned away.
  app.addHook('onRequest', (request, reply, done) => {
    const socket = request.raw.socket;
    const connection = connectionOf(socket);
    if (stopped) {
      // Not judged, so not answered either: the client learns it from the closed connection.
      reply.hijack();
      if (connection.open === 0) end(socket);
      done();
      return;
    }
    connection.open += 1;
    connection.last = request.raw;
    // fastify marks each request that arrives while it closes `Connection: close`; a response so
    // marked ends the connection and drops every response queued behind it, taken or not.
    reply.raw.removeHeader('connection');
    reply.raw.once('close', () => {
      connection.open -= 1;
      if (stopped && connection.open === 0) end(socket);
    });
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    if (stopped && connectionOf(request.raw.socket).last === request.raw) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('preClose', async () => {
    // Closing resets the connections still waiting to be accepted and drops idle ones at once,
    // and a connection whose request is still in its socket buffer counts as idle until the
    // request is read. Two polls of the event loop accept every connection made before close()
    // and read what had arrived on it; three turns contain at least two polls.
    for (let turn = 0; turn < 3; turn++) await nextTurn();
    stopped = true;
  });
}

/** Ends a connection once what was written to it is sent (an injected request has no socket to end). */
function end(socket: object): void {
  if (socket instanceof Socket) socket.end(() => socket.destroy());
}

/**
 * Closes the server, answering the requests it took (see {@link answerWhatWasTaken}), then stops
 * the engine. If that takes longer than `graceMs`, every connection left is closed by force and
 * `'forced'` is returned at once, without waiting for the engine: a journaled engine answered
 * only what it had committed, so what it loses is what a crash would lose.
 */
export async function closeWithin(app: FastifyInstance, wallet: Wallet, graceMs: number): Promise<ShutdownOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const drained = (async (): Promise<ShutdownOutcome> => {
    await app.close();
    await wallet.stop();
    return 'drained';
  })();
  const expired = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve('forced'), graceMs);
  });
  const outcome = await Promise.race([drained, expired]);
  clearTimeout(timer);
  if (outcome === 'forced') app.server.closeAllConnections();
  return outcome;
}
