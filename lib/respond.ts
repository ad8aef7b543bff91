/**
 * The answers of the contract: what a {@link Decision} of the rules is answered with, whatever
 * store applied it, and the shapes of an answer in the contract's key order.
 */
import type { Account, Decision } from './rules.js';
import { Status, type WalletResponse } from './types.js';

/**
 * The answer to a decided transaction of `user`: a replay carries the original answer's
 * `request_uuid` and balance, a refusal the status and `account`'s balance, an application the
 * balance after it. `requestUuid` is the request's own, as it was sent.
 */
export function respond(user: string, decision: Decision, account: Account, requestUuid: string): WalletResponse {
  switch (decision.outcome) {
    case 'replay':
      return userResponse(user, Status.OK, decision.entry.requestUuid, account.currency, decision.entry.balance);
    case 'refuse':
      return userResponse(user, decision.status, requestUuid, account.currency, account.balance);
    case 'apply':
      return userResponse(user, Status.OK, decision.entry.requestUuid, account.currency, decision.balance);
  }
}

/** The answer for a body that names no known user (or none at all). */
export function unknownUser(status: Status, user: string, requestUuid: string): WalletResponse {
  return { user, status, request_uuid: requestUuid };
}

/** The answer for a known user, in the contract's key order. */
export function userResponse(user: string, status: Status, requestUuid: string, currency: string, balance: number): WalletResponse {
  return { user, status, request_uuid: requestUuid, currency, balance };
}
