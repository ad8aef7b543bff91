/**
 * The codes under which the stores keep an entry's kind and a bet's state, and the one rule of
 * retention: the embedded registry reads them, and the PostgreSQL store writes its SQL from them.
 * They are on disk and in databases: a code is never renumbered or reused.
 */
import type { EntryKind } from './rules.js';

/** An entry's kind as stored (registry flags, the `kind` column); 0 is no entry. */
export const KIND = { bet: 1, win: 2, rollback: 3, deposit: 4, withdraw: 5, reserved: 6 } as const satisfies Readonly<Record<EntryKind, number>>;

/** The kinds in code order: the kind of code `c` is `KINDS[c - 1]`. */
export const KINDS: readonly EntryKind[] = ['bet', 'win', 'rollback', 'deposit', 'withdraw', 'reserved'];

/** A bet's or reservation's state as the database stores it (the `state` column); other kinds are `open`. */
export const BET_STATE = { open: 0, won: 1, cancelled: 2 } as const;

/**
 * The retention rule: a record of kind `kind` (a {@link KIND} code) is dropped once its last
 * change is older than the retention period, unless it is an open bet, which is kept whatever
 * its age (its win or rollback may still come).
 */
export function keptWhateverAge(kind: number, open: boolean): boolean {
  return kind === KIND.bet && open;
}

/** {@link keptWhateverAge} in SQL, over the `kind` and `state` columns. */
export const KEPT_WHATEVER_AGE_SQL = `kind = ${KIND.bet} AND state = ${BET_STATE.open}`;
