import { Mailbox } from './mailbox.js';
import type { TransactionRegistry } from './registry.js';
import { Status, type UserResponse } from './types.js';
import type { BetCommand, Command, RollbackCommand, WinCommand } from './validation.js';

/**
 * The state of one of the user's bets, kept as a number so that a million bets cost no extra
 * objects: an open bet is its amount (>= 0), a settled one is {@link WON}, a cancelled one
 * {@link CANCELLED}.
 */
type BetState = number;
const WON: BetState = -1;
const CANCELLED: BetState = -2;

/**
 * One user: owns the balance and the bets, and applies the user's requests one at a time, in
 * arrival order, through its mailbox. Each request is judged and applied in one synchronous
 * step, so no other request ever sees it half done.
 */
export class UserActor {
  readonly user: string;
  readonly currency: string;
  #balance: number;
  /** Made on the first bet, so a user who never bets costs no map. */
  #bets: Map<string, BetState> | undefined;
  readonly #mailbox = new Mailbox();
  readonly #registry: TransactionRegistry;
  readonly #onApplied: ((user: string, command: Command) => void) | undefined;

  /** `onApplied` hears of every command that changed the state, as it is applied (for the journal). */
  constructor(
    user: string,
    currency: string,
    balance: number,
    registry: TransactionRegistry,
    onApplied?: (user: string, command: Command) => void,
  ) {
    this.user = user;
    this.currency = currency;
    this.#balance = balance;
    this.#registry = registry;
    this.#onApplied = onApplied;
  }

  /** The current balance, in the currency's smallest unit. */
  get balance(): number {
    return this.#balance;
  }

  /** Applies a bet, win or rollback in its turn (checks 5 onwards) and answers it. */
  execute(command: Command): Promise<UserResponse> {
    return this.#mailbox.run(() => this.#execute(command));
  }

  /** Answers `status` with the balance as it stands in the request's turn; changes nothing. */
  reply(status: Status, requestUuid: string): Promise<UserResponse> {
    return this.#mailbox.run(() => this.#respond(status, requestUuid));
  }

  /** The user's bets and their states, for a snapshot. */
  *bets(): Iterable<readonly [string, BetState]> {
    if (this.#bets !== undefined) yield* this.#bets;
  }

  /** Recovery: sets bets from a snapshot. */
  restoreBets(bets: Iterable<readonly [string, BetState]>): void {
    for (const [transactionUuid, state] of bets) this.#setBet(transactionUuid, state);
  }

  /** Recovery: applies a journaled command at once, outside the mailbox; answers its status. */
  restore(command: Command): Status {
    return this.#execute(command).status;
  }

  /** Resolves once every request sent so far has been answered. */
  drained(): Promise<void> {
    return this.#mailbox.drained();
  }

  #execute(command: Command): UserResponse {
    const known = this.#registry.judge(command.transactionUuid, command.fingerprint);
    if (typeof known === 'object') return this.#respond(Status.OK, known.requestUuid, known.balance);
    const status = known ?? this.#apply(command);
    if (status === Status.OK) {
      this.#registry.record(command.transactionUuid, command.fingerprint, command.requestUuid, this.#balance);
      this.#onApplied?.(this.user, command);
    }
    return this.#respond(status, command.requestUuid);
  }

  /** Checks 6 onwards; changes the state only when it answers `RS_OK`. */
  #apply(command: Command): Status {
    switch (command.operation) {
      case 'bet':
        return this.#bet(command);
      case 'win':
        return this.#win(command);
      case 'rollback':
        return this.#rollback(command);
    }
  }

  #bet({ transactionUuid, currency, amount }: BetCommand): Status {
    if (currency !== this.currency) return Status.WRONG_CURRENCY;
    if (amount > this.#balance) return Status.NOT_ENOUGH_MONEY;
    this.#balance -= amount;
    this.#setBet(transactionUuid, amount);
    return Status.OK;
  }

  #win({ referenceUuid, currency, amount }: WinCommand): Status {
    if (currency !== this.currency) return Status.WRONG_CURRENCY;
    const bet = this.#bets?.get(referenceUuid);
    if (bet === undefined) return Status.TRANSACTION_DOES_NOT_EXIST;
    if (bet === CANCELLED) return Status.TRANSACTION_ROLLED_BACK;
    if (bet === WON) return Status.UNKNOWN;
    if (!Number.isSafeInteger(this.#balance + amount)) return Status.UNKNOWN;
    this.#balance += amount;
    this.#setBet(referenceUuid, WON);
    return Status.OK;
  }

  #rollback({ transactionUuid, referenceUuid }: RollbackCommand): Status {
    const bet = this.#bets?.get(referenceUuid);
    if (bet === CANCELLED) return Status.OK;
    if (bet === WON) return Status.UNKNOWN;
    if (bet === undefined) {
      // Any id the engine knows is a win, a rollback or another user's; a rollback naming
      // itself is no bet either.
      if (this.#registry.has(referenceUuid) || referenceUuid === transactionUuid) {
        return Status.TRANSACTION_DOES_NOT_EXIST;
      }
      // The bet never arrived: cancel it in advance, so a late copy of it is refused.
      this.#registry.reserve(referenceUuid);
      this.#setBet(referenceUuid, CANCELLED);
      return Status.OK;
    }
    if (!Number.isSafeInteger(this.#balance + bet)) return Status.UNKNOWN;
    this.#balance += bet;
    this.#setBet(referenceUuid, CANCELLED);
    return Status.OK;
  }

  #respond(status: Status, requestUuid: string, balance = this.#balance): UserResponse {
    return { user: this.user, status, request_uuid: requestUuid, currency: this.currency, balance };
  }

  #setBet(transactionUuid: string, state: BetState): void {
    (this.#bets ??= new Map()).set(transactionUuid, state);
  }
}
