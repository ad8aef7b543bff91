import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import { DEFAULT_CURRENCY, DEFAULT_INITIAL_BALANCE, type CashierOperation, type UserSpec, type Wallet } from '../index.js';
import { parseNewUser, type UserDefaults } from '../users.js';
import { INVALID_JSON, parseJson, rawBody } from './body.js';

/** The admin routes' error answer: `{ "error": why }`, plus the index of a refused list item. */
export interface AdminError {
  readonly error: string;
  readonly index?: number;
}

/**
 * Defaults the `/admin/users` items are checked against. Only the currency matters for the
 * check (an item may name the engine's own currency even when it is not ISO-shaped); the
 * service's command line accepts ISO-shaped currencies only, so with it any ISO-shaped default
 * judges every item as the engine will.
 */
const ITEM_DEFAULTS: UserDefaults = { currency: DEFAULT_CURRENCY, initialBalance: DEFAULT_INITIAL_BALANCE };

/**
 * A preHandler that answers HTTP 401 unless the request carries `Authorization: Bearer
 * <token>`. The tokens are compared as SHA-256 digests with `timingSafeEqual`: equal lengths
 * whatever was sent, and no early exit that would time out the token byte by byte.
 */
export function bearerGuard(token: string): preHandlerHookHandler {
  const expected = digest(token);
  return (request, reply, done) => {
    const header = request.headers.authorization ?? '';
    const sent = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (timingSafeEqual(digest(sent), expected)) done();
    else void reply.code(401).send({ error: 'a valid bearer token is required' } satisfies AdminError);
  };
}

/**
 * The operator's routes, each behind the bearer token: `POST /admin/users`, `/admin/deposit`,
 * `/admin/withdraw`, `/admin/users/:user/disable` and `/admin/users/:user/enable`. A malformed
 * body is HTTP 400 and changes nothing; a store that cannot commit is HTTP 503.
 */
export function registerAdminRoutes(app: FastifyInstance, wallet: Wallet, guard: preHandlerHookHandler): void {
  app.post('/admin/users', { preHandler: guard }, async (request, reply) => {
    const body = parseJson(rawBody(request));
    if (body === INVALID_JSON) return refuse(reply, 400, 'the body is not JSON');
    const users = isObject(body) ? body.users : undefined;
    if (!Array.isArray(users)) return refuse(reply, 400, 'expected a JSON object { "users": ["name" | { "user", "currency"?, "balance"? }, ...] }');
    // Every item is checked before any is created: one bad item refuses the whole list.
    for (const [index, item] of (users as unknown[]).entries()) {
      const parsed = parseNewUser(item, ITEM_DEFAULTS);
      if (typeof parsed === 'string') return reply.code(400).send({ error: `users[${index}]: ${parsed}`, index } satisfies AdminError);
    }
    try {
      const before = await wallet.stats();
      await wallet.createUsers(users as UserSpec[]);
      const after = await wallet.stats();
      return { created: after.users - before.users, users: after.users };
    } catch (error) {
      return unavailable(reply, error);
    }
  });

  for (const operation of ['deposit', 'withdraw'] as const satisfies readonly CashierOperation[]) {
    app.post(`/admin/${operation}`, { preHandler: guard }, async (request, reply) => {
      const body = parseJson(rawBody(request));
      if (body === INVALID_JSON) return refuse(reply, 400, 'the body is not JSON');
      // Like a wallet route: the engine judges every JSON body and answers an RS_* status.
      const response = await wallet.handle(operation, body);
      request.walletStatus = response.status;
      return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(response));
    });
  }

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post<{ Params: { user: string } }>(`/admin/users/:user/${action}`, { preHandler: guard }, async (request, reply) => {
      const { user } = request.params;
      try {
        if (!(await wallet.setUserDisabled(user, disabled))) return refuse(reply, 404, `no user ${JSON.stringify(user)}`);
      } catch (error) {
        return unavailable(reply, error);
      }
      return { user, disabled };
    });
  }
}

function refuse(reply: FastifyReply, code: 400 | 404, error: string): FastifyReply {
  return reply.code(code).send({ error } satisfies AdminError);
}

/** A store that cannot commit (a failed journal, an unreachable database): try again later. */
function unavailable(reply: FastifyReply, error: unknown): FastifyReply {
  reply.log.error({ err: error }, 'admin operation failed');
  return reply.code(503).send({ error: `the store cannot serve: ${error instanceof Error ? error.message : String(error)}` } satisfies AdminError);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
