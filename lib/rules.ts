/**
 * The money rules of the contract (checks 5 to 8 and the rollback table), as pure functions over
 * a user's view: the user's account and the registry entries a request names. Every store uses
 * them, so the embedded engine and the PostgreSQL store judge every request alike.
 */
import { countBet, countWin, exceeds, uncountBet, type LimitState, type Usage } from './limits.js';
import { tokenStatus, type SessionState } from './sessions.js';
import { Status } from './types.js';
import type { Command } from './validation.js';

/** What a registry entry stands for. A reservation is an id a rollback cancelled in advance. */
export type EntryKind = 'bet' | 'win' | 'rollback' | 'deposit' | 'withdraw' | 'reserved';

/**
 * The state of a bet or reservation: an open bet is its amount (>= 0); {@link WON} and
 * {@link CANCELLED} mark the settled ones. Kept as a number so that a bet costs no object.
 */
export type BetState = number;
export const WON: BetState = -1;
export const CANCELLED: BetState = -2;

/** What the registry keeps of a transaction id: enough to judge a request and replay its answer. */
export interface Entry {
  readonly user: string;
  readonly kind: EntryKind;
  /** The request's fingerprint; `""` for a reservation. */
  readonly fingerprint: string;
  /** The `request_uuid` of the original response, exactly as it was sent. */
  readonly requestUuid: string;
  /** The balance the original response carried. */
  readonly balance: number;
  /** Bets and reservations: their {@link BetState}. Other kinds: 0. */
  readonly state: BetState;
  /** A bet: whether it was free (`is_free: true`), so that no limit counts it or its win. Absent: not free. */
  readonly free?: boolean;
  /**
   * A bet: when it was made (ms since the epoch; a store may keep it to the minute), for the
   * periods its cancellation leaves. Absent: made in the current periods.
   */
  readonly at?: number;
}

/** A user's account as the rules see it. */
export interface Account {
  readonly currency: string;
  readonly balance: number;
  readonly disabled: boolean;
  /** The user's responsible-gambling limits, if any were ever set. */
  readonly limits?: LimitState | undefined;
  /** The sums of the user's current periods, once the user has bet. */
  readonly usage?: Usage | undefined;
}

/** What a request is judged at, beside the account and the registry. */
export interface Context {
  /** The time of the request, in milliseconds since the epoch: its periods, and a session's expiry. */
  readonly now: number;
  /**
   * With tokens required: the session a token names, if any. Unset when tokens are not checked:
   * not required, or recovery replaying what was judged before.
   */
  readonly sessions?: ((token: string) => SessionState | undefined) | undefined;
  /** False while recovery replays what was judged before: the limits are not judged again. */
  readonly enforceLimits: boolean;
}

/** The outcome of judging a request. Nothing changes unless it is `apply`. */
export type Decision =
  | { readonly outcome: 'replay'; readonly entry: Entry }
  | { readonly outcome: 'refuse'; readonly status: Status }
  | Application;

/** A request that succeeds, and every change it makes. */
export interface Application {
  readonly outcome: 'apply';
  /** The account's balance afterwards. */
  readonly balance: number;
  /** The entry recorded under the request's own `transaction_uuid`. */
  readonly entry: Entry;
  /** Money moved into the balance (negative for a bet or withdrawal). */
  readonly moved: number;
  /** A bet whose state changes (a win settles it, a rollback cancels it). */
  readonly settles?: { readonly transactionUuid: string; readonly state: BetState };
  /** An id a rollback reserves: the bet it names never arrived. */
  readonly reserves?: string;
  /** The user's period sums afterwards, when the request changes them (a bet, its win or its cancellation). */
  readonly usage?: Usage;
}

/** Looks up the registry entry of an id, whichever user it belongs to. */
export type Lookup = (transactionUuid: string) => Entry | undefined;

/**
 * Judges a transaction request of `user` (checks 5 onwards; checks 1 to 4 passed) against the
 * user's account and the registry. Pure: it only reads through `lookup`.
 */
export function decide(user: string, account: Account, command: Command, lookup: Lookup, context: Context): Decision {
  const known = lookup(command.transactionUuid);
  if (known !== undefined) {
    if (known.kind === 'reserved') return refuse(Status.TRANSACTION_ROLLED_BACK);
    return known.fingerprint === command.fingerprint ? { outcome: 'replay', entry: known } : refuse(Status.DUPLICATE_TRANSACTION);
  }
  switch (command.operation) {
    case 'bet': {
      const { now, sessions } = context;
      if (sessions !== undefined) {
        const refused = tokenStatus(user, command.token, command.token === undefined ? undefined : sessions(command.token), now);
        if (refused !== undefined) return refuse(refused);
      }
      if (account.disabled) return refuse(Status.USER_DISABLED);
      if (command.currency !== account.currency) return refuse(Status.WRONG_CURRENCY);
      const free = command.isFree === true;
      if (!free && context.enforceLimits && exceeds(account.limits, account.usage, command.amount, now)) return refuse(Status.LIMIT_REACHED);
      if (command.amount > account.balance) return refuse(Status.NOT_ENOUGH_MONEY);
      const usage = free || command.amount === 0 ? undefined : countBet(account.usage, command.amount, now);
      return apply(user, account, command, 'bet', -command.amount, now, command.amount, undefined, usage, free);
    }
    case 'withdraw':
      if (command.currency !== account.currency) return refuse(Status.WRONG_CURRENCY);
      if (command.amount > account.balance) return refuse(Status.NOT_ENOUGH_MONEY);
      return apply(user, account, command, 'withdraw', -command.amount, context.now);
    case 'deposit':
      if (command.currency !== account.currency) return refuse(Status.WRONG_CURRENCY);
      return apply(user, account, command, 'deposit', command.amount, context.now);
    case 'win': {
      if (command.currency !== account.currency) return refuse(Status.WRONG_CURRENCY);
      const entry = lookup(command.referenceUuid);
      const bet = betOf(user, entry);
      if (bet === undefined) return refuse(Status.TRANSACTION_DOES_NOT_EXIST);
      if (bet === CANCELLED) return refuse(Status.TRANSACTION_ROLLED_BACK);
      if (bet === WON) return refuse(Status.UNKNOWN);
      // The win of a free bet is counted by no limit, like the bet.
      const usage = (entry as Entry).free === true || command.amount === 0 ? undefined : countWin(account.usage, command.amount, context.now);
      return apply(user, account, command, 'win', command.amount, context.now, 0, { transactionUuid: command.referenceUuid, state: WON }, usage);
    }
    case 'rollback': {
      const referenced = lookup(command.referenceUuid);
      if (referenced === undefined) {
        // A rollback naming itself cancels no bet.
        if (command.referenceUuid === command.transactionUuid) return refuse(Status.TRANSACTION_DOES_NOT_EXIST);
        // The bet never arrived: cancel it in advance, so that a late copy of it is refused.
        const applied = apply(user, account, command, 'rollback', 0, context.now);
        return applied.outcome === 'apply' ? { ...applied, reserves: command.referenceUuid } : applied;
      }
      const bet = betOf(user, referenced);
      if (bet === undefined) return refuse(Status.TRANSACTION_DOES_NOT_EXIST);
      if (bet === WON) return refuse(Status.UNKNOWN); // a settled bet cannot be cancelled
      if (bet === CANCELLED) return apply(user, account, command, 'rollback', 0, context.now);
      // The cancelled amount leaves the wager of the periods the bet was made in, if they are current.
      const usage = referenced.free === true || bet === 0 ? undefined : uncountBet(account.usage, bet, referenced.at ?? context.now, context.now);
      return apply(user, account, command, 'rollback', bet, context.now, 0, { transactionUuid: command.referenceUuid, state: CANCELLED }, usage);
    }
  }
}

/** The state of the bet or reservation `entry`, if it is one and belongs to `user`. */
function betOf(user: string, entry: Entry | undefined): BetState | undefined {
  if (entry === undefined || entry.user !== user || (entry.kind !== 'bet' && entry.kind !== 'reserved')) return undefined;
  return entry.state;
}

/**
 * Whether a balance call of `user` with `token` is answered: `RS_OK`, or with tokens required the
 * status its token earns (SPEC 10).
 */
export function judgeBalance(user: string, token: unknown, context: Context): Status {
  const { sessions } = context;
  if (sessions === undefined) return Status.OK;
  return tokenStatus(user, token, typeof token === 'string' ? sessions(token) : undefined, context.now) ?? Status.OK;
}

function refuse(status: Status): Decision {
  return { outcome: 'refuse', status };
}

/** Check 8 and the changes of a successful request. */
function apply(
  user: string,
  account: Account,
  command: Command,
  kind: EntryKind,
  moved: number,
  now: number,
  state: BetState = 0,
  settles?: Application['settles'],
  usage?: Usage,
  free = false,
): Decision {
  const balance = account.balance + moved;
  if (!Number.isSafeInteger(balance)) return refuse(Status.UNKNOWN);
  const entry: Entry = { user, kind, fingerprint: command.fingerprint, requestUuid: command.requestUuid, balance, state, free, at: now };
  const applied: { -readonly [K in keyof Application]: Application[K] } = { outcome: 'apply', balance, entry, moved };
  if (settles !== undefined) applied.settles = settles;
  if (usage !== undefined) applied.usage = usage;
  return applied;
}

/** The entry of an id a rollback reserved for `user`. */
export function reservation(user: string, now: number): Entry {
  return { user, kind: 'reserved', fingerprint: '', requestUuid: '', balance: 0, state: CANCELLED, free: false, at: now };
}
