import type { FastifyInstance } from 'fastify';
import type { Wallet } from '../index.js';

/** How a shutdown ended: everything drained, or the grace period ran out first. */
export type ShutdownOutcome = 'drained' | 'forced';

/**
 * Closes the server, answering the requests it has received, then stops the engine. If that
 * takes longer than `graceMs`, every connection left is closed by force and `'forced'` is
 * returned at once, without waiting for the engine: a journaled engine answered only what it
 * had committed, so what it loses is what a crash would lose.
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
