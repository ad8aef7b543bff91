/**
 * One batch of the PostgreSQL store, judged in TypeScript: the rows a batch locked and read go
 * in, the responses and the set-based writes come out. No I/O here, so the same rules as the
 * embedded store decide every request, in arrival order.
 */
import { BET_STATE, KIND, KINDS } from '../codes.js';
import { respond } from '../respond.js';
import type { LimitState, Usage } from '../limits.js';
import { CANCELLED, decide, judgeBalance, reservation, WON, type Account, type BetState, type Context, type Entry, type EntryKind } from '../rules.js';
import type { SessionState } from '../sessions.js';
import { unknownUser, userResponse, type StoreRequest } from '../store.js';
import { Status, type WalletResponse } from '../types.js';
import type { Details } from '../validation.js';
import { encodeText, roundColumns } from './history.js';

/** A request waiting in a batch. */
export interface BatchItem {
  readonly user: string;
  readonly request: StoreRequest;
  readonly requestUuid: string;
}

/** A locked row of `exwallet.wallets`. */
export interface AccountRow {
  readonly id: string;
  readonly name: string;
  readonly currency: string;
  readonly balance: string;
  readonly disabled: boolean;
  readonly limits: LimitState | null;
  readonly usage: Usage | null;
}

/** A row of `exwallet.sessions` a batch's token names, with its user's name. */
export interface SessionRow {
  readonly token: string;
  readonly name: string;
  readonly game_code: string | null;
  /** Milliseconds since the epoch. */
  readonly expires_at: number;
}

/** A row of `exwallet.transactions` with its user's name. */
export interface EntryRow {
  readonly transaction_uuid: string;
  readonly name: string;
  readonly kind: number;
  readonly state: number;
  readonly amount: string;
  readonly balance: string;
  readonly request_uuid: string | null;
  readonly request_uuid_text: string | null;
  readonly fingerprint: Buffer | null;
  readonly is_free: boolean;
  /** `created_at` in milliseconds since the epoch. */
  readonly at: number;
}

/** The rows a batch writes, column by column, ready for `unnest`. */
export interface BatchWrites {
  readonly inserted: {
    readonly ids: string[];
    readonly walletIds: string[];
    readonly kinds: number[];
    readonly states: number[];
    readonly amounts: string[];
    readonly balances: string[];
    readonly requestUuids: Array<string | null>;
    readonly requestTexts: Array<string | null>;
    readonly fingerprints: Array<string | null>;
    readonly references: Array<string | null>;
    readonly frees: boolean[];
    /** The back office's columns (lib/pg/history.ts): the round as a UUID or as text, round_closed, game_code. */
    readonly rounds: Array<string | null>;
    readonly roundTexts: Array<string | null>;
    readonly roundCloseds: boolean[];
    readonly gameCodes: Array<string | null>;
  };
  /** State changes of bets that were stored before the batch. */
  readonly settled: { readonly ids: string[]; readonly states: number[] };
  /** New balances and period sums (JSON) of the accounts the batch changed. */
  readonly balances: { readonly walletIds: string[]; readonly balances: string[]; readonly usages: Array<string | null> };
  /**
   * The rounds the inserted rows carry, once per (wallet, round), for the table of open rounds
   * (lib/pg/schema.ts): the round in the transactions' columns, and whether one of the rows
   * closed it.
   */
  readonly rounds: { readonly walletIds: string[]; readonly uuids: Array<string | null>; readonly texts: Array<string | null>; readonly closeds: boolean[] };
}

class BatchAccount implements Account {
  changed = false;
  constructor(
    readonly id: string,
    readonly currency: string,
    public balance: number,
    readonly disabled: boolean,
    readonly limits: LimitState | undefined,
    public usage: Usage | undefined,
  ) {}
}

interface NewRow {
  readonly id: string;
  readonly walletId: string;
  readonly entry: Entry;
  state: BetState;
  readonly moved: number;
  readonly reference: string | null;
  /** The request's round and game, for the back office; none for a reservation. */
  readonly details?: Details;
}

/** The ids a batch must read: each transaction's own and the one it references. */
export function idsOf(items: readonly BatchItem[]): string[] {
  const ids = new Set<string>();
  for (const { request } of items) {
    if (request.operation === 'balance' || request.operation === 'refused') continue;
    ids.add(request.transactionUuid);
    if (request.operation === 'win' || request.operation === 'rollback') ids.add(request.referenceUuid);
  }
  return [...ids];
}

/** The tokens the bets and balance calls of `items` carry, each once. */
export function tokensOf(items: readonly BatchItem[]): string[] {
  const tokens = new Set<string>();
  for (const { request } of items) {
    const token = request.operation === 'balance' ? request.token : request.operation === 'bet' ? request.token : undefined;
    if (typeof token === 'string') tokens.add(token);
  }
  return [...tokens];
}

/** The users of `items`, each once, sorted so that every process waits for their rows in the same order. */
export function usersOf(items: readonly BatchItem[]): string[] {
  return [...new Set(items.map((item) => item.user))].sort();
}

/**
 * Judges every item in order against the locked accounts, read entries and sessions, at `now`
 * (ms since the epoch), as one step. With `requireToken`, bets and balance calls are checked
 * against `sessionRows` (those their tokens name).
 */
export function judgeBatch(
  items: readonly BatchItem[],
  accountRows: readonly AccountRow[],
  entryRows: readonly EntryRow[],
  now: number,
  requireToken = false,
  sessionRows: readonly SessionRow[] = [],
): { responses: WalletResponse[]; writes: BatchWrites } {
  const accounts = new Map<string, BatchAccount>();
  for (const row of accountRows) {
    accounts.set(row.name, new BatchAccount(row.id, row.currency, Number(row.balance), row.disabled, row.limits ?? undefined, row.usage ?? undefined));
  }
  const sessions = new Map<string, SessionState>();
  for (const row of sessionRows) sessions.set(row.token, row.game_code === null ? { user: row.name, expiresAt: row.expires_at } : { user: row.name, gameCode: row.game_code, expiresAt: row.expires_at });
  const context: Context = requireToken ? { now, sessions: (token) => sessions.get(token), enforceLimits: true } : { now, enforceLimits: true };
  const entries = new Map<string, Entry>();
  for (const row of entryRows) entries.set(row.transaction_uuid, entryOf(row));
  const created = new Map<string, NewRow>();
  const settled = new Map<string, BetState>();
  const lookup = (id: string): Entry | undefined => entries.get(id);

  const responses = items.map(({ user, request, requestUuid }): WalletResponse => {
    const account = accounts.get(user);
    if (account === undefined) return unknownUser(Status.UNKNOWN, user, requestUuid);
    if (request.operation === 'refused') return userResponse(user, request.status, requestUuid, account.currency, account.balance);
    if (request.operation === 'balance') return userResponse(user, judgeBalance(user, request.token, context), requestUuid, account.currency, account.balance);
    const decision = decide(user, account, request, lookup, context);
    if (decision.outcome === 'apply') {
      account.balance = decision.balance;
      if (decision.usage !== undefined) account.usage = decision.usage;
      account.changed = true;
      const reference = request.operation === 'win' || request.operation === 'rollback' ? request.referenceUuid : null;
      entries.set(request.transactionUuid, decision.entry);
      created.set(request.transactionUuid, { id: request.transactionUuid, walletId: account.id, entry: decision.entry, state: decision.entry.state, moved: decision.moved, reference, details: request });
      if (decision.settles !== undefined) {
        const { transactionUuid, state } = decision.settles;
        entries.set(transactionUuid, { ...(entries.get(transactionUuid) as Entry), state });
        const fresh = created.get(transactionUuid);
        if (fresh === undefined) settled.set(transactionUuid, state);
        else fresh.state = state;
      }
      if (decision.reserves !== undefined) {
        const reserved = reservation(user, now);
        entries.set(decision.reserves, reserved);
        created.set(decision.reserves, { id: decision.reserves, walletId: account.id, entry: reserved, state: CANCELLED, moved: 0, reference: null });
      }
    }
    return respond(user, decision, account, requestUuid);
  });
  return { responses, writes: writesOf(created, settled, accounts) };
}

function writesOf(created: Map<string, NewRow>, settled: Map<string, BetState>, accounts: Map<string, BatchAccount>): BatchWrites {
  const inserted: BatchWrites['inserted'] = {
    ids: [],
    walletIds: [],
    kinds: [],
    states: [],
    amounts: [],
    balances: [],
    requestUuids: [],
    requestTexts: [],
    fingerprints: [],
    references: [],
    frees: [],
    rounds: [],
    roundTexts: [],
    roundCloseds: [],
    gameCodes: [],
  };
  // Inserted in id order, so that two processes claiming the same ids cannot deadlock.
  for (const id of [...created.keys()].sort()) {
    const row = created.get(id) as NewRow;
    const { kind, fingerprint, requestUuid, balance } = row.entry;
    inserted.ids.push(id);
    inserted.walletIds.push(row.walletId);
    inserted.kinds.push(KIND[kind]);
    inserted.states.push(stateCode(kind, row.state));
    inserted.amounts.push(String(row.moved));
    inserted.balances.push(String(balance));
    const lowerCase = requestUuid === requestUuid.toLowerCase();
    inserted.requestUuids.push(requestUuid !== '' && lowerCase ? requestUuid : null);
    inserted.requestTexts.push(requestUuid !== '' && !lowerCase ? requestUuid : null);
    inserted.fingerprints.push(fingerprint === '' ? null : Buffer.from(fingerprint, 'latin1').toString('hex'));
    inserted.references.push(row.reference);
    inserted.frees.push(row.entry.free === true);
    const round = roundColumns(row.details?.round);
    inserted.rounds.push(round.uuid);
    inserted.roundTexts.push(round.text);
    inserted.roundCloseds.push(row.details?.roundClosed === true);
    inserted.gameCodes.push(typeof row.details?.gameCode === 'string' ? encodeText(row.details.gameCode) : null);
  }
  const states = { ids: [...settled.keys()], states: [...settled.values()].map((state) => stateCode('bet', state)) };
  const rounds = roundsOf(inserted);
  const balances: BatchWrites['balances'] = { walletIds: [], balances: [], usages: [] };
  for (const account of accounts.values()) {
    if (!account.changed) continue;
    balances.walletIds.push(account.id);
    balances.balances.push(String(account.balance));
    balances.usages.push(account.usage === undefined ? null : JSON.stringify(account.usage));
  }
  return { inserted, settled: states, balances, rounds };
}

/** The rounds the inserted rows carry, once per (wallet, round) in the order first met, each closed if one of its rows said so. */
function roundsOf(inserted: BatchWrites['inserted']): BatchWrites['rounds'] {
  const rounds: BatchWrites['rounds'] = { walletIds: [], uuids: [], texts: [], closeds: [] };
  const seen = new Map<string, number>();
  inserted.ids.forEach((_, i) => {
    const uuid = inserted.rounds[i] as string | null;
    const text = inserted.roundTexts[i] as string | null;
    if ((uuid === null && text === null) || inserted.kinds[i] === KIND.reserved) return;
    const walletId = inserted.walletIds[i] as string;
    // A UUID and a text never meet: a UUID-shaped round is always kept as a UUID.
    const key = `${walletId} ${uuid ?? (text as string)}`;
    let at = seen.get(key);
    if (at === undefined) {
      at = rounds.walletIds.length;
      seen.set(key, at);
      rounds.walletIds.push(walletId);
      rounds.uuids.push(uuid);
      rounds.texts.push(text);
      rounds.closeds.push(false);
    }
    if (inserted.roundCloseds[i] === true) rounds.closeds[at] = true;
  });
  return rounds;
}

/** A stored row as the rules see it. */
function entryOf(row: EntryRow): Entry {
  const kind = KINDS[row.kind - 1] ?? 'win';
  const state = kind === 'reserved' ? CANCELLED : kind !== 'bet' ? 0 : row.state === BET_STATE.won ? WON : row.state === BET_STATE.cancelled ? CANCELLED : 0 - Number(row.amount);
  return {
    user: row.name,
    kind,
    fingerprint: row.fingerprint === null ? '' : row.fingerprint.toString('latin1'),
    requestUuid: row.request_uuid_text ?? row.request_uuid ?? '',
    balance: Number(row.balance),
    state,
    free: row.is_free,
    at: row.at,
  };
}

function stateCode(kind: EntryKind, state: BetState): number {
  if (kind !== 'bet' && kind !== 'reserved') return BET_STATE.open;
  return state === WON ? BET_STATE.won : state === CANCELLED ? BET_STATE.cancelled : BET_STATE.open;
}
