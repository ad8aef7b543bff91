import { createPrivateKey, KeyObject, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { KeyInput } from '../http/signature.js';
import { CATEGORIES, CheckFailure, type BalanceChange, type Category, type Check, type CheckResult } from './check.js';
import { WalletClient } from './client.js';
import { CheckContext, whatCameBack, type CheckSettings, type Player } from './context.js';
import { CHECKS } from './scenarios/index.js';

/** The smallest balance a test player must hold: the checks bet up to 60 % of it at once. */
export const MIN_BALANCE = 100_000;

/** Defaults of {@link ConformOptions}. */
export const DEFAULTS = { copies: 20, inFlight: 50, loadSeconds: 10, checkTimeoutMs: 30_000 } as const;

/** What to check and how. */
export interface ConformOptions {
  /** The wallet's base URL: the routes `/user/balance`, `/transaction/...` are under it. */
  readonly url: string;
  /** Test players holding at least {@link MIN_BALANCE} each. */
  readonly users: readonly string[];
  /** Private key (PEM) to sign every request with, as Hub88 does; without it the signature checks are skipped. */
  readonly key?: KeyInput;
  /**
   * The session token of each test player, for a wallet that requires one: sent as `token` with
   * every request naming the player, as Hub88 sends the token of the player's game session.
   */
  readonly tokens?: Readonly<Record<string, string>>;
  /** Only these categories (default all). */
  readonly only?: readonly Category[];
  /** Copies sent at once by the concurrency checks and requests in flight in the load check (default 20 and 50). */
  readonly concurrency?: number;
  /** How long the load check runs, in seconds (default 10). */
  readonly loadSeconds?: number;
  /** Longest a check other than the load check may take, in milliseconds (default 30 s). */
  readonly checkTimeoutMs?: number;
  /** Called with each verdict as it is reached (the text report streams from it). */
  readonly onResult?: (result: CheckResult) => void;
}

/** A player's balance before and after the whole run: the money the kit moved. */
export interface PlayerNet {
  readonly user: string;
  readonly currency: string;
  readonly before: number;
  readonly after: number | undefined;
  /** `after - before`, or undefined when the last balance could not be read. */
  readonly net: number | undefined;
}

/** Everything a run found. */
export interface ConformReport {
  readonly url: string;
  readonly signed: boolean;
  readonly startedAt: string;
  readonly ms: number;
  readonly players: readonly PlayerNet[];
  readonly results: readonly CheckResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/** A mistake in how the kit was called or in what it was pointed at: exit code 2. */
export class ConformUsageError extends Error {
  readonly code = 'CONFORM_USAGE';
}

/**
 * Runs the conformance checks against the wallet at `options.url` and answers what they found.
 * It first reads every player's balance and throws a {@link ConformUsageError} when the URL does
 * not answer like a wallet or a player is missing or holds less than {@link MIN_BALANCE}. It
 * sends traffic to that URL only, rolls back every bet of its own a check leaves open, and never
 * throws for what the wallet answers.
 */
export async function runConformance(options: ConformOptions): Promise<ConformReport> {
  const startedAt = new Date();
  const began = performance.now();
  const key = options.key === undefined ? undefined : privateKey(options.key);
  const copies = options.concurrency ?? DEFAULTS.copies;
  const settings: CheckSettings = {
    copies,
    inFlight: options.concurrency ?? DEFAULTS.inFlight,
    loadMs: (options.loadSeconds ?? DEFAULTS.loadSeconds) * 1000,
  };
  checkOptions(options, settings);
  const client = new WalletClient(options.url, key, Math.max(settings.copies, settings.inFlight) + 4, new Map(Object.entries(options.tokens ?? {})));
  try {
    const players = await preflight(client, [...new Set(options.users)]);
    const balances = new Map(players.map(({ player, balance }) => [player.user, balance]));
    const only = new Set(options.only ?? CATEGORIES);
    const results: CheckResult[] = [];
    for (const check of CHECKS) {
      if (!only.has(check.category)) continue;
      const result = await runCheck(check, client, players.map(({ player }) => player), settings, options.checkTimeoutMs ?? DEFAULTS.checkTimeoutMs);
      results.push(result);
      options.onResult?.(result);
    }
    const after = await readBalances(client, players.map(({ player }) => player));
    return {
      url: options.url,
      signed: key !== undefined,
      startedAt: startedAt.toISOString(),
      ms: performance.now() - began,
      players: players.map(({ player }) => {
        const before = balances.get(player.user) as number;
        const last = after.get(player.user);
        return { user: player.user, currency: player.currency, before, after: last, net: last === undefined ? undefined : last - before };
      }),
      results,
      passed: results.filter((r) => r.outcome === 'pass').length,
      failed: results.filter((r) => r.outcome === 'fail').length,
      skipped: results.filter((r) => r.outcome === 'skip').length,
    };
  } finally {
    client.close();
  }
}

function privateKey(key: KeyInput): KeyObject {
  try {
    return key instanceof KeyObject ? key : createPrivateKey(key);
  } catch (error) {
    throw new ConformUsageError(`the key is not a private key in PEM: ${(error as Error).message}`);
  }
}

function checkOptions(options: ConformOptions, settings: CheckSettings): void {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConformUsageError(`--url ${options.url} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConformUsageError(`--url must be http or https, got ${url.protocol}`);
  if (options.users.length === 0 || options.users.some((user) => user === '')) throw new ConformUsageError('--users names at least one test player');
  for (const [user, token] of Object.entries(options.tokens ?? {})) {
    if (typeof token !== 'string' || token === '') throw new ConformUsageError(`--tokens: the token of ${JSON.stringify(user)} must be a non-empty string`);
  }
  if (!Number.isSafeInteger(settings.copies) || settings.copies < 1 || settings.copies > 1000) throw new ConformUsageError('--concurrency is an integer from 1 to 1000');
  if (!Number.isFinite(settings.loadMs) || settings.loadMs <= 0 || settings.loadMs > 3_600_000) throw new ConformUsageError('--duration is a number of seconds above 0, at most 3600');
  for (const category of options.only ?? []) {
    if (!CATEGORIES.includes(category)) throw new ConformUsageError(`--only: unknown category ${category} (one of ${CATEGORIES.join(', ')})`);
  }
}

/** Reads each player's currency and balance; throws a usage error unless all are fit for the checks. */
async function preflight(client: WalletClient, users: readonly string[]): Promise<Array<{ player: Player; balance: number }>> {
  const found: Array<{ player: Player; balance: number }> = [];
  for (const user of users) {
    const exchange = await client.send('/user/balance', { user, request_uuid: randomUUID() });
    if (exchange.error !== undefined) throw new ConformUsageError(`cannot reach the wallet at ${exchange.route}: ${exchange.error}`);
    const { answer } = exchange;
    if (exchange.httpStatus !== 200 || answer === undefined) {
      throw new ConformUsageError(`the balance call for ${user} answered HTTP ${exchange.httpStatus} ${exchange.received.slice(0, 200)}: is --url the wallet's base URL?`);
    }
    if (answer.status === 'RS_ERROR_INVALID_SIGNATURE') {
      throw new ConformUsageError(`the wallet refused the kit's ${client.signs ? 'signature' : 'unsigned request'} (RS_ERROR_INVALID_SIGNATURE): ${client.signs ? 'is --key the key the wallet trusts?' : 'give --key'}`);
    }
    if (answer.status === 'RS_ERROR_INVALID_TOKEN' || answer.status === 'RS_ERROR_TOKEN_EXPIRED') {
      throw new ConformUsageError(`test player ${user}: the wallet requires a session token and answered ${answer.status}: give an open session's token in --tokens`);
    }
    if (answer.status !== 'RS_OK') throw new ConformUsageError(`test player ${user}: the balance call answered ${whatCameBack(exchange)}; does the player exist?`);
    if (typeof answer.currency !== 'string' || !Number.isSafeInteger(answer.balance)) {
      throw new ConformUsageError(`test player ${user}: the balance call answered no currency or no integer balance: ${exchange.received.slice(0, 200)}`);
    }
    if ((answer.balance as number) < MIN_BALANCE) throw new ConformUsageError(`test player ${user} holds ${answer.balance as number}, below the ${MIN_BALANCE} the checks need`);
    found.push({ player: { user, currency: answer.currency }, balance: answer.balance as number });
  }
  return found;
}

/** Each player's balance now; a player whose balance cannot be read is left out. */
async function readBalances(client: WalletClient, players: readonly Player[]): Promise<Map<string, number>> {
  const balances = new Map<string, number>();
  for (const player of players) {
    const exchange = await client.send('/user/balance', { user: player.user, request_uuid: randomUUID() });
    const balance = exchange.answer?.balance;
    if (exchange.answer?.status === 'RS_OK' && Number.isSafeInteger(balance)) balances.set(player.user, balance as number);
  }
  return balances;
}

async function runCheck(check: Check, client: WalletClient, players: readonly Player[], settings: CheckSettings, timeoutMs: number): Promise<CheckResult> {
  const base = { name: check.name, category: check.category, rule: check.rule };
  const skip = (detail: string): CheckResult => ({ ...base, outcome: 'skip', ms: 0, detail, exchanges: [], balances: [] });
  if ((check.players ?? 1) > players.length) return skip(`needs ${check.players} test players, --users named ${players.length}`);
  if (check.signed === true && !client.signs) return skip('no --key given: requests go unsigned');

  const began = performance.now();
  const before = await readBalances(client, players);
  const missing = players.find((player) => !before.has(player.user));
  if (missing !== undefined) {
    return { ...base, outcome: 'fail', ms: performance.now() - began, detail: `the balance of ${missing.user} could not be read before the check`, exchanges: [], balances: [] };
  }
  const controller = new AbortController();
  // Every request in flight listens to the signal: the concurrency and load checks have many.
  setMaxListeners(0, controller.signal);
  const context = new CheckContext(client, players, before, settings, controller.signal);
  const limit = check.category === 'load' ? settings.loadMs + timeoutMs : timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckFailure(`no verdict within ${limit / 1000} s`));
    }, limit);
  });
  let outcome: Pick<CheckResult, 'outcome' | 'detail' | 'failedExchange'>;
  try {
    const note = await Promise.race([check.run(context), timeout]);
    outcome = { outcome: 'pass', ...(typeof note === 'string' ? { detail: note } : {}) };
  } catch (error) {
    const failure = error instanceof CheckFailure ? error : new CheckFailure(`the check broke: ${(error as Error).message}`);
    outcome = { outcome: 'fail', detail: failure.message, ...(failure.exchange === undefined ? {} : { failedExchange: failure.exchange }) };
  } finally {
    clearTimeout(timer);
  }
  // Read before the clean-up, so that the evidence shows what the wallet did.
  const after = await readBalances(client, players);
  await context.settle();
  const balances: BalanceChange[] = players.map(({ user }) => ({ user, before: before.get(user) as number, after: after.get(user) }));
  return { ...base, ...outcome, ms: performance.now() - began, exchanges: context.exchanges, balances };
}
