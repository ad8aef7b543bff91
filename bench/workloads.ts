import { start, type BetRequest, type Wallet, type WalletResponse, type WinRequest } from '../lib/index.js';
import type { BareCore, LeanCore } from './bare-core.js';

export type Operation = 'bet' | 'win';
export type Request =
  | { readonly operation: 'bet'; readonly body: BetRequest }
  | { readonly operation: 'win'; readonly body: WinRequest };

/** A UUID-shaped id, unique per (prefix, n): what an aggregator sends, without the cost of randomness. */
export function id(prefix: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

export function userNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `player-${i}`);
}

/**
 * `pairs` bets, each followed by the win that settles it, spread over `users` users. Ids are
 * offset by `epoch` so that several workloads can run against one engine.
 */
export function betsAndWins(pairs: number, users: readonly string[], epoch = 0, tokens?: ReadonlyMap<string, string>): Request[] {
  const requests: Request[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const user = users[i % users.length] as string;
    const bet = id(epoch * 4 + 1, i);
    const request = id(epoch * 4 + 2, i);
    const amount = 1 + (i % 50);
    // With tokens, the bet carries its user's, as Hub88 sends it. Each body is a literal, of one
    // shape, as a parsed body is: a spread would give the bodies another shape than Hub88's.
    const token = tokens?.get(user);
    requests.push({
      operation: 'bet',
      body: token === undefined
        ? { user, transaction_uuid: bet, request_uuid: request, currency: 'USD', amount, round: `round-${i}`, game_code: 'clt_dragonrising' }
        : { user, transaction_uuid: bet, request_uuid: request, currency: 'USD', amount, round: `round-${i}`, game_code: 'clt_dragonrising', token },
    });
    requests.push({
      operation: 'win',
      body: { user, transaction_uuid: id(epoch * 4 + 3, i), request_uuid: id(epoch * 4 + 4, i), reference_transaction_uuid: bet, currency: 'USD', amount: i % 3 === 0 ? 2 * (1 + (i % 50)) : 0, round: `round-${i}`, game_code: 'clt_dragonrising' },
    });
  }
  return requests;
}

export function send(w: Wallet, request: Request): Promise<WalletResponse> {
  return request.operation === 'bet' ? w.bet(request.body) : w.win(request.body);
}

/** Sends the requests through the engine, keeping `inFlight` of them outstanding at a time. */
export async function drive(w: Wallet, requests: readonly Request[], inFlight: number): Promise<void> {
  const batch: Array<Promise<WalletResponse>> = [];
  for (const request of requests) {
    batch.push(send(w, request));
    if (batch.length === inFlight) {
      await Promise.all(batch);
      batch.length = 0;
    }
  }
  await Promise.all(batch);
}

/** Applies the requests to a bare core, one after another. */
export function driveCore(core: BareCore, requests: readonly Request[]): void {
  for (const { operation, body } of requests) core.apply(operation, body);
}

/** Applies the requests to a lean core, one after another. */
export function driveLean(core: LeanCore, requests: readonly Request[]): void {
  for (const { operation, body } of requests) core.apply(operation, body);
}

export async function engineWith(users: readonly string[], initialBalance = 100_000): Promise<Wallet> {
  const w = start({ initialBalance });
  await w.createUsers(users);
  return w;
}

/**
 * An engine that requires tokens, with a session open for every user and a daily wager and loss
 * limit on each that the workload never reaches, and each user's token for
 * {@link betsAndWins}: every bet then pays the token check, the limit check and the period sums.
 */
export async function guardedEngineWith(users: readonly string[]): Promise<{ w: Wallet; tokens: Map<string, string> }> {
  const w = start({ initialBalance: 100_000, requireToken: true });
  await w.createUsers(users);
  const tokens = new Map<string, string>();
  for (const user of users) {
    const session = await w.openSession({ user });
    if (session === undefined) throw new Error(`no session for ${user}`);
    tokens.set(user, session.token);
    await w.setLimits(user, { wager_day: 1e12, loss_day: 1e12 });
  }
  return { w, tokens };
}
