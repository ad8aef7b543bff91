import { randomUUID } from 'node:crypto';
import { CheckFailure, type Exchange } from './exchange.js';
import { RawBody, type Route, type Signing, type WalletClient } from './client.js';

/** A test player named by `--users`, with the currency its wallet reported. */
export interface Player {
  readonly user: string;
  readonly currency: string;
}

/** The kit's settings a check reads. */
export interface CheckSettings {
  /** Copies sent at once by the concurrency checks. */
  readonly copies: number;
  /** Requests in flight in the load check. */
  readonly inFlight: number;
  /** How long the load check runs, in milliseconds. */
  readonly loadMs: number;
}

const GAME = 'exwallet-conform';

/**
 * What a check works with: the players and their balances when it began, fresh ids, calls that
 * build Hub88 bodies, and the judgements every check shares. It remembers every exchange (the
 * evidence) and every bet of its own still open, which {@link CheckContext.settle} rolls back.
 */
export class CheckContext {
  readonly exchanges: Exchange[] = [];
  readonly #open = new Map<string, string>();
  readonly #rounds = new Map<string, unknown>();

  constructor(
    readonly client: WalletClient,
    readonly players: readonly Player[],
    readonly startBalances: ReadonlyMap<string, number>,
    readonly settings: CheckSettings,
    readonly signal: AbortSignal,
  ) {}

  /** A fresh transaction or request id, lower case as RFC 4122 writes it. */
  id(): string {
    return randomUUID();
  }

  /** The `index`-th player (the runner skips checks that need more players than it has). */
  player(index = 0): Player {
    return this.players[index] as Player;
  }

  /** The player's balance when the check began. */
  atStart(player: Player): number {
    return this.startBalances.get(player.user) as number;
  }

  /** Sends a body and records the exchange; bets, wins and rollbacks answered RS_OK keep the open-bet ledger. */
  async send(route: Route, body: unknown, signing: Signing = 'key'): Promise<Exchange> {
    const exchange = await this.client.send(route, body, signing, this.signal);
    this.exchanges.push(exchange);
    // A raw body a faulty wallet accepted is cleaned up like any other.
    const fields = (body instanceof RawBody ? parsed(body.text) : body) as Record<string, unknown> | null | undefined;
    const user = fields?.user;
    if (exchange.answer?.status === 'RS_OK' && typeof fields === 'object' && fields !== null && this.players.some((player) => player.user === user)) {
      // Keyed by the id as sent: an upper-cased copy that a wallet took for another bet is rolled back too.
      if (route === '/transaction/bet') this.#open.set(String(fields.transaction_uuid), user as string);
      else if (route !== '/user/balance') this.#open.delete(String(fields.reference_transaction_uuid));
    }
    return exchange;
  }

  /** A bet body with fresh ids; `fields` override any of them. */
  betBody(player: Player, amount: unknown, fields: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const body = {
      user: player.user,
      transaction_uuid: this.id(),
      request_uuid: this.id(),
      round: this.id(),
      game_code: GAME,
      currency: player.currency,
      amount,
      ...fields,
    };
    this.#rounds.set(String(body.transaction_uuid).toLowerCase(), body.round);
    return body;
  }

  /** The round of the bet `reference` as the kit sent it (a fresh one for a bet it never sent): wins and rollbacks carry it. */
  #roundOf(reference: string): unknown {
    return this.#rounds.get(reference.toLowerCase()) ?? this.id();
  }

  /** A win body paying `amount` for the bet `reference`. */
  winBody(player: Player, reference: string, amount: unknown, fields: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    return {
      user: player.user,
      transaction_uuid: this.id(),
      request_uuid: this.id(),
      reference_transaction_uuid: reference,
      round: this.#roundOf(reference),
      round_closed: true,
      game_code: GAME,
      currency: player.currency,
      amount,
      ...fields,
    };
  }

  /** A rollback body cancelling the bet `reference`. */
  rollbackBody(player: Player, reference: string, fields: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    return {
      user: player.user,
      transaction_uuid: this.id(),
      request_uuid: this.id(),
      reference_transaction_uuid: reference,
      round: this.#roundOf(reference),
      round_closed: true,
      game_code: GAME,
      ...fields,
    };
  }

  balanceBody(player: Player): Record<string, unknown> {
    return { user: player.user, request_uuid: this.id(), game_code: GAME };
  }

  bet(player: Player, amount: unknown, fields?: Readonly<Record<string, unknown>>): Promise<Exchange> {
    return this.send('/transaction/bet', this.betBody(player, amount, fields));
  }

  win(player: Player, reference: string, amount: unknown, fields?: Readonly<Record<string, unknown>>): Promise<Exchange> {
    return this.send('/transaction/win', this.winBody(player, reference, amount, fields));
  }

  rollback(player: Player, reference: string, fields?: Readonly<Record<string, unknown>>): Promise<Exchange> {
    return this.send('/transaction/rollback', this.rollbackBody(player, reference, fields));
  }

  /** A bet that must be answered RS_OK: its id, for the win or rollback that follows. */
  async placeBet(player: Player, amount: number, fields?: Readonly<Record<string, unknown>>): Promise<string> {
    const body = this.betBody(player, amount, fields);
    expectStatus(await this.send('/transaction/bet', body), 'RS_OK', `a bet of ${amount} within the balance is accepted`);
    return body.transaction_uuid as string;
  }

  /** The player's balance now, read with a balance call. */
  async balance(player: Player): Promise<number> {
    const exchange = await this.send('/user/balance', this.balanceBody(player));
    expectStatus(exchange, 'RS_OK', 'a balance call of a test player is answered RS_OK');
    const balance = exchange.answer?.balance;
    if (!Number.isSafeInteger(balance)) throw new CheckFailure('a balance call answers the balance as an integer', exchange);
    return balance as number;
  }

  /** Fails unless the player's balance is now its balance at the start plus `delta`. */
  async expectMoved(player: Player, delta: number, rule: string, exchange?: Exchange): Promise<void> {
    const expected = this.atStart(player) + delta;
    const now = await this.balance(player);
    if (now !== expected) {
      throw new CheckFailure(`${rule}: ${player.user}'s balance is ${now}, expected ${expected} (${signed(delta)} since the check began, moved ${signed(now - this.atStart(player))})`, exchange);
    }
  }

  /** Fails unless no player's balance moved since the check began. */
  async expectNothingMoved(rule: string, exchange?: Exchange): Promise<void> {
    for (const player of this.players) await this.expectMoved(player, 0, rule, exchange);
  }

  /** Marks a bet placed outside {@link CheckContext.send} (the load loop) as open. */
  opened(user: string, reference: string): void {
    this.#open.set(reference, user);
  }

  /**
   * Rolls back every bet of the check still open (answered RS_OK, neither won nor rolled back).
   * It runs after the check, even one that timed out, so it does not use the check's signal.
   */
  async settle(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    for (const [reference, user] of open) {
      const player = this.players.find((p) => p.user === user) as Player;
      this.exchanges.push(await this.client.send('/transaction/rollback', this.rollbackBody(player, reference)));
    }
  }
}

/** Fails unless the wallet answered HTTP 200 with this status (`'error'`: any RS_ERROR_* status). */
export function expectStatus(exchange: Exchange, status: string, rule: string): void {
  const got = whatCameBack(exchange);
  if (exchange.httpStatus !== 200) throw new CheckFailure(`${rule}: expected HTTP 200 with ${status === 'error' ? 'an RS_ERROR_* status' : status}, got ${got}`, exchange);
  const actual = exchange.answer?.status;
  const matches = status === 'error' ? typeof actual === 'string' && actual.startsWith('RS_ERROR_') : actual === status;
  if (!matches) throw new CheckFailure(`${rule}: expected ${status === 'error' ? 'an RS_ERROR_* status' : status}, got ${got}`, exchange);
}

/** Fails unless the answer carries this balance. */
export function expectBalance(exchange: Exchange, balance: number, rule: string): void {
  const actual = exchange.answer?.balance;
  if (actual !== balance) throw new CheckFailure(`${rule}: expected balance ${balance} in the answer, got ${actual === undefined ? 'none' : JSON.stringify(actual)}`, exchange);
}

/** Fails unless the answer is exactly the bytes of an earlier one. */
export function expectSameBytes(replay: Exchange, original: Exchange, rule: string): void {
  if (replay.httpStatus !== 200 || replay.received !== original.received) {
    throw new CheckFailure(`${rule}: expected the original answer byte for byte, ${original.received}, got ${whatCameBack(replay)}`, replay);
  }
}

/** What came back, in a few words: the status, or the HTTP status, or why nothing came. */
export function whatCameBack(exchange: Exchange): string {
  if (exchange.error !== undefined) return `no answer (${exchange.error})`;
  if (exchange.httpStatus !== 200) return `HTTP ${exchange.httpStatus}`;
  const status = exchange.answer?.status;
  return typeof status === 'string' ? status : `a body without a status (${exchange.received.slice(0, 80)})`;
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
