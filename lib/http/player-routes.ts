import type { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import type { LimitsReport, Session, SessionRequest, UserInfo, Wallet } from '../index.js';
import { INVALID_JSON, parseJson, rawBody } from './body.js';

/**
 * The answer of a refused player route: `{ "error": why }`, plus `field` when one field of the
 * body is out of its shape (`ttl_seconds`, `tags[3]`, `wager_day` ...).
 */
export interface FieldError {
  readonly error: string;
  readonly field?: string;
}

/** The code every `InvalidFieldError` of the library carries. */
const INVALID_FIELD = 'EXWALLET_INVALID_FIELD';

/**
 * The operator's routes for a player's sessions, information and limits (SPEC 10-12), each
 * behind the admin bearer token:
 *
 * - `POST /admin/sessions` `{ user, game_code?, ttl_seconds? }`: 201 with the session;
 * - `DELETE /admin/sessions/:token`: 204, the token is no longer valid;
 * - `PUT /admin/users/:user/info` `{ country?, ... }`: 200 with the info now stored (it replaces the old);
 * - `PUT /admin/users/:user/limits` `{ wager_day?, ... }`: 200 with the limits report after the change;
 * - `GET /admin/users/:user/limits`: 200 with the limits report.
 *
 * An unknown user or token is HTTP 404, a body that is not a JSON object or a field out of its
 * shape HTTP 400 (naming the field; nothing changed), a store that cannot commit HTTP 503.
 */
export function registerPlayerRoutes(app: FastifyInstance, wallet: Wallet, guard: preHandlerHookHandler): void {
  app.post('/admin/sessions', { preHandler: guard }, async (request, reply) => {
    const body = objectBody(rawBody(request));
    if (typeof body === 'string') return refuse(reply, 400, `${body} { "user", "game_code"?, "ttl_seconds"? }`);
    return answer(reply, () => wallet.openSession(body as unknown as SessionRequest), (session: Session) => reply.code(201).send(session), `no user ${JSON.stringify(body.user)}`);
  });

  app.delete<{ Params: { token: string } }>('/admin/sessions/:token', { preHandler: guard }, async (request, reply) => {
    const { token } = request.params;
    try {
      if (!(await wallet.closeSession(token))) return refuse(reply, 404, 'no open session with this token');
    } catch (error) {
      return unavailable(reply, error);
    }
    return reply.code(204).send();
  });

  app.put<{ Params: { user: string } }>('/admin/users/:user/info', { preHandler: guard }, async (request, reply) => {
    const { user } = request.params;
    const body = objectBody(rawBody(request));
    if (typeof body === 'string') return refuse(reply, 400, `${body} { "country"?, "jurisdiction"?, "sub_partner_id"?, "birth_date"?, "registration_date"?, "tags"?, "sex"?, "affiliate_id"? }`);
    return answer(reply, () => wallet.setUserInfo(user, body as UserInfo), (info: UserInfo) => reply.code(200).send(info), `no user ${JSON.stringify(user)}`);
  });

  app.put<{ Params: { user: string } }>('/admin/users/:user/limits', { preHandler: guard }, async (request, reply) => {
    const { user } = request.params;
    const body = objectBody(rawBody(request));
    if (typeof body === 'string') return refuse(reply, 400, `${body} with any of "wager_day", "wager_week", "wager_month", "loss_day", "loss_week", "loss_month"`);
    return answer(reply, () => wallet.setLimits(user, body), (report: LimitsReport) => reply.code(200).send(report), `no user ${JSON.stringify(user)}`);
  });

  app.get<{ Params: { user: string } }>('/admin/users/:user/limits', { preHandler: guard }, async (request, reply) => {
    const { user } = request.params;
    return answer(reply, () => wallet.getLimits(user), (report: LimitsReport) => reply.code(200).send(report), `no user ${JSON.stringify(user)}`);
  });
}

/** The body as a JSON object, or why it is not one. */
function objectBody(raw: Buffer): Record<string, unknown> | string {
  const body = parseJson(raw);
  if (body === INVALID_JSON) return 'the body is not JSON: expected an object';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected a JSON object';
  return body as Record<string, unknown>;
}

/**
 * Runs an operator call and answers it: `found` with what it resolved to, 404 with `missing`
 * when it resolved to `undefined` (an unknown user), 400 naming the field it refused, 503 when
 * the store failed.
 */
async function answer<T>(reply: FastifyReply, call: () => Promise<T | undefined>, found: (value: T) => FastifyReply, missing: string): Promise<FastifyReply> {
  let value: T | undefined;
  try {
    value = await call();
  } catch (error) {
    if (isInvalidField(error)) return reply.code(400).send({ error: error.message, field: error.field } satisfies FieldError);
    return unavailable(reply, error);
  }
  return value === undefined ? refuse(reply, 404, missing) : found(value);
}

/** Whether the library refused a field (`InvalidFieldError`): told by its stable code, so a second copy of the library is recognized too. */
function isInvalidField(error: unknown): error is Error & { readonly field: string } {
  return error instanceof Error && (error as { code?: unknown }).code === INVALID_FIELD && typeof (error as { field?: unknown }).field === 'string';
}

function refuse(reply: FastifyReply, code: 400 | 404, error: string): FastifyReply {
  return reply.code(code).send({ error } satisfies FieldError);
}

/** A store that cannot commit (a failed journal, an unreachable database): try again later. */
function unavailable(reply: FastifyReply, error: unknown): FastifyReply {
  reply.log.error({ err: error }, 'admin operation failed');
  return reply.code(503).send({ error: `the store cannot serve: ${error instanceof Error ? error.message : String(error)}` } satisfies FieldError);
}
