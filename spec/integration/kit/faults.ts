/**
 * Broken wallets: exwallet with exactly one rule changed, each a mistake real wallets make. The
 * kit must fail exactly the checks named in `breaks`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Status } from '../../../lib/index.js';
import { signBody, SIGNATURE_HEADER } from '../../../lib/http/index.js';
import { rawBody } from '../../../lib/http/body.js';
import { HUB88_PRIVATE } from '../../support/http.js';
import type { Fault } from './wallets.js';

type Fields = Readonly<Record<string, unknown>>;
const fields = (body: unknown): Fields => (typeof body === 'object' && body !== null ? (body as Fields) : {});
const idOf = (body: unknown): string => String(fields(body).transaction_uuid).toLowerCase();

/** A UUID-shaped id derived from `id`, in lower case: what a case-sensitive wallet makes of an upper-cased id. */
function caseSensitive(id: unknown): unknown {
  if (typeof id !== 'string' || !/[A-F]/.test(id)) return id;
  const hex = createHash('sha256').update(id).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** How long the racy wallet takes between looking an id up and recording it. */
const RACE_WINDOW_MS = 60;

const BASICS = [
  'basics.balance',
  'basics.bet',
  'basics.win',
  'basics.rollback',
  'basics.free-bet',
  'basics.losing-win',
  'basics.error-answer',
  'basics.unknown-user-answer',
];

export const FAULTS: readonly Fault[] = [
  {
    name: 'a replayed win is answered RS_ERROR_UNKNOWN',
    breaks: ['idempotency.win-replay', 'concurrency.win-copies'],
    engine: (next) => {
      const paid = new Set<string>();
      return async (operation, body) => {
        const response = await next(operation, body);
        if (operation !== 'win' || response.status !== Status.OK) return response;
        if (paid.has(idOf(body))) return { ...response, status: Status.UNKNOWN };
        paid.add(idOf(body));
        return response;
      };
    },
  },
  {
    name: 'a replayed bet is judged against the balance again',
    breaks: ['idempotency.bet-replay-after-balance-fell'],
    engine: (next) => {
      const accepted = new Set<string>();
      return async (operation, body) => {
        if (operation === 'bet' && accepted.has(idOf(body))) {
          const now = await next('balance', { user: fields(body).user, request_uuid: randomUUID() });
          if ('balance' in now && (fields(body).amount as number) > now.balance) {
            return { ...now, status: Status.NOT_ENOUGH_MONEY, request_uuid: fields(body).request_uuid as string };
          }
        }
        const response = await next(operation, body);
        if (operation === 'bet' && response.status === Status.OK) accepted.add(idOf(body));
        return response;
      };
    },
  },
  {
    name: 'copies of a bet that arrive while it is being applied are applied again',
    breaks: ['concurrency.bet-copies', 'concurrency.same-id-two-users'],
    engine: (next) => {
      // The wallet's own id table, looked up before a slow apply and written after it, without a lock:
      // a copy that arrives in between misses the lookup and is applied under an id of its own.
      const recorded = new Set<string>();
      const applying = new Set<string>();
      return async (operation, body) => {
        const id = idOf(body);
        if (operation !== 'bet' || recorded.has(id)) return next(operation, body);
        const copy = applying.has(id);
        applying.add(id);
        await delay(RACE_WINDOW_MS);
        if (copy) return next(operation, { ...fields(body), transaction_uuid: randomUUID() });
        const response = await next(operation, body);
        applying.delete(id);
        if (response.status === Status.OK) recorded.add(id);
        return response;
      };
    },
  },
  {
    name: 'request_uuid is not echoed',
    breaks: BASICS,
    engine: (next) => async (operation, body) => {
      const { request_uuid: _dropped, ...response } = await next(operation, body);
      return response as never;
    },
  },
  {
    name: 'a reused id with another amount is replayed as RS_OK',
    breaks: ['idempotency.duplicate-other-amount'],
    engine: (next) => {
      const bets = new Map<string, { amount: unknown; response: Awaited<ReturnType<typeof next>> }>();
      return async (operation, body) => {
        const earlier = operation === 'bet' ? bets.get(idOf(body)) : undefined;
        if (earlier !== undefined && earlier.amount !== fields(body).amount) return earlier.response;
        const response = await next(operation, body);
        if (operation === 'bet' && response.status === Status.OK) bets.set(idOf(body), { amount: fields(body).amount, response });
        return response;
      };
    },
  },
  {
    name: 'a rollback of a bet never seen is answered RS_ERROR_TRANSACTION_DOES_NOT_EXIST',
    breaks: ['rollback.before-bet'],
    engine: (next) => {
      const bets = new Set<string>();
      return async (operation, body) => {
        if (operation === 'bet') bets.add(idOf(body));
        const response = await next(operation, body);
        const reference = String(fields(body).reference_transaction_uuid).toLowerCase();
        if (operation === 'rollback' && response.status === Status.OK && !bets.has(reference)) return { ...response, status: Status.TRANSACTION_DOES_NOT_EXIST };
        return response;
      };
    },
  },
  {
    name: 'a bet arriving after its rollback is accepted',
    breaks: ['rollback.late-bet-refused'],
    engine: (next) => async (operation, body) => {
      const response = await next(operation, body);
      if (operation !== 'bet' || response.status !== Status.TRANSACTION_ROLLED_BACK) return response;
      return next(operation, { ...fields(body), transaction_uuid: randomUUID() });
    },
  },
  {
    name: 'an unsigned request is accepted',
    breaks: ['signatures.missing', 'signatures.missing-on-balance'],
    service: (app) =>
      app.addHook('preValidation', async (request) => {
        // Only a request without the header passes unverified; a wrong signature is still refused.
        if (request.headers[SIGNATURE_HEADER] === undefined) request.headers[SIGNATURE_HEADER] = signBody(rawBody(request), HUB88_PRIVATE);
      }),
  },
  {
    name: 'ids are compared case-sensitively',
    breaks: ['idempotency.upper-case-retry', 'idempotency.upper-case-reference'],
    engine: (next) => async (operation, body) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return next(operation, body);
      const { transaction_uuid, reference_transaction_uuid } = fields(body);
      return next(operation, {
        ...fields(body),
        ...(transaction_uuid === undefined ? {} : { transaction_uuid: caseSensitive(transaction_uuid) }),
        ...(reference_transaction_uuid === undefined ? {} : { reference_transaction_uuid: caseSensitive(reference_transaction_uuid) }),
      });
    },
  },
  {
    name: 'RS_ERROR_NOT_ENOUGH_MONEY carries no balance',
    breaks: ['errors.not-enough-money'],
    engine: (next) => async (operation, body) => {
      const response = await next(operation, body);
      return response.status === Status.NOT_ENOUGH_MONEY ? { user: response.user, status: response.status, request_uuid: response.request_uuid } : response;
    },
  },
];
