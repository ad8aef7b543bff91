/**
 * Wallets for the kit to check, served over HTTP on 127.0.0.1: exwallet itself, or exwallet with
 * exactly one fault put in front of its engine or into its service.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Operation, Wallet, WalletResponse } from '../../../lib/index.js';
import { buildServer } from '../../../lib/http/index.js';
import { HUB88_PUBLIC } from '../../support/http.js';

/** The test players every served wallet holds, with the 100,000 the kit asks for. */
export const PLAYERS = ['kit-alice', 'kit-bob'] as const;

/** One call of the engine. */
export type Handle = (operation: Operation, body: unknown) => Promise<WalletResponse>;

/** One deliberate breach of the contract, and the checks that must catch it. */
export interface Fault {
  /** What the broken wallet does wrong. */
  readonly name: string;
  /** The names of the checks that concern it: exactly these must fail. */
  readonly breaks: readonly string[];
  /** Wraps the engine's calls (a fresh wrapper, with fresh state, per served wallet). */
  readonly engine?: (next: Handle) => Handle;
  /** Changes the service itself. */
  readonly service?: (app: FastifyInstance) => void;
}

/** A served wallet: its base URL, and how to stop it. */
export interface ServedWallet {
  readonly url: string;
  close(): Promise<void>;
}

/** The engine `wallet` whose `handle` goes through `wrap`; everything else is the engine's own. */
function wrapped(wallet: Wallet, wrap: (next: Handle) => Handle): Wallet {
  const handle = wrap((operation, body) => wallet.handle(operation, body));
  return new Proxy(wallet, {
    get(target, property) {
      if (property === 'handle') return handle;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Serves `wallet` (already holding {@link PLAYERS}) on a free loopback port, verifying Hub88's
 * signatures when `signed`, with `fault` put in when given. The engine is stopped by `close()`.
 */
export async function serveWallet(wallet: Wallet, { signed, fault }: { signed: boolean; fault?: Fault }): Promise<ServedWallet> {
  const app = buildServer({
    wallet: fault?.engine === undefined ? wallet : wrapped(wallet, fault.engine),
    logLevel: 'silent',
    ...(signed ? { hub88PublicKey: HUB88_PUBLIC } : { verifySignatures: false }),
  });
  fault?.service?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await wallet.stop();
    },
  };
}
