import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { DestinationStream, LevelWithSilent } from 'pino';
import { Status, type Operation, type UnknownUserResponse, type WalletResponse } from '../types.js';
import { start, type Wallet } from '../index.js';
import { readBody, stringField } from '../validation.js';
import { bodySigner, signatureVerifier, SIGNATURE_HEADER, type KeyInput } from './signature.js';

/** Largest request body accepted unless {@link ServerOptions.bodyLimit} says otherwise: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Settings of the HTTP service. */
export interface ServerOptions {
  /** The engine to serve. Default: a new one, stopped when the server closes. */
  readonly wallet?: Wallet;
  /** Hub88's public key (PEM); requests must carry its signature. */
  readonly hub88PublicKey?: KeyInput;
  /** `false` accepts unsigned requests. Only this option turns verification off. Default `true`. */
  readonly verifySignatures?: boolean;
  /** The operator's private key (PEM); when given, every wallet response is signed with it. */
  readonly privateKey?: KeyInput;
  /** Largest request body in bytes; larger ones are refused with HTTP 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Bearer token of `POST /admin/users`; without one the admin route does not exist. */
  readonly adminToken?: string;
  /** pino log level. Default `info`. */
  readonly logLevel?: LevelWithSilent;
  /** Where log lines go. Default standard output. */
  readonly logDestination?: DestinationStream;
}

/** The wallet routes of the Hub88 Operator API and the operation each one calls. */
export const WALLET_ROUTES: ReadonlyArray<readonly [string, Operation]> = [
  ['/user/balance', 'balance'],
  ['/transaction/bet', 'bet'],
  ['/transaction/win', 'win'],
  ['/transaction/rollback', 'rollback'],
];

/** Logs each request once, when it completes, with the wallet status it was answered with. */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      status: request.walletStatus,
      durationMs: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request');
    else reply.log.info(line, 'request');
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The `status` this request was answered with, for the request log line. */
    walletStatus?: string;
  }
}

/**
 * The Hub88 Operator wallet service on fastify: the four wallet routes, answered with HTTP 200
 * and the engine's response as JSON (Hub88 reads `status`), plus `/admin/users` and
 * `/healthz`. Throws at once on a configuration that would accept requests unverified by
 * accident, or on a key that cannot be read.
 */
export function buildServer(options: ServerOptions = {}): FastifyInstance {
  const { verifySignatures = true, bodyLimit = DEFAULT_BODY_LIMIT, logLevel = 'info' } = options;
  if (verifySignatures && options.hub88PublicKey === undefined) {
    throw new Error('a Hub88 public key is required to verify request signatures (or turn verification off explicitly)');
  }
  const verifier = verifySignatures && options.hub88PublicKey !== undefined ? signatureVerifier(options.hub88PublicKey) : undefined;
  const signer = options.privateKey === undefined ? undefined : bodySigner(options.privateKey);
  const wallet = options.wallet ?? start();

  const app = Fastify({
    bodyLimit,
    genReqId: () => nanoid(12),
    logController: new RequestLog(),
    logger:
      options.logDestination === undefined
        ? { level: logLevel }
        : { level: logLevel, stream: options.logDestination },
  });

  // Every body is kept as raw bytes: signatures cover the bytes, and bad JSON is a wallet status.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  if (options.wallet === undefined) app.addHook('onClose', () => wallet.stop());

  function answer(request: FastifyRequest, reply: FastifyReply, response: WalletResponse): FastifyReply {
    const text = JSON.stringify(response);
    request.walletStatus = response.status;
    reply.code(200).type('application/json; charset=utf-8');
    if (signer !== undefined) reply.header(SIGNATURE_HEADER, signer(text));
    return reply.send(text);
  }

  for (const [path, operation] of WALLET_ROUTES) {
    app.post(path, async (request, reply) => {
      const raw = rawBody(request);
      if (verifier !== undefined && !verifier(raw, request.headers[SIGNATURE_HEADER])) {
        return answer(request, reply, refusal(Status.INVALID_SIGNATURE, parseJson(raw)));
      }
      const body = parseJson(raw);
      if (body === INVALID_JSON) return answer(request, reply, refusal(Status.WRONG_SYNTAX, undefined));
      return answer(request, reply, await wallet.handle(operation, body));
    });
  }

  if (options.adminToken !== undefined) {
    const expected = digest(options.adminToken);
    app.post('/admin/users', async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!timingSafeEqual(digest(token), expected)) return reply.code(401).send({ error: 'a valid bearer token is required' });
      const body = parseJson(rawBody(request));
      const users = typeof body === 'object' && body !== null ? (body as { users?: unknown }).users : undefined;
      if (!Array.isArray(users)) return reply.code(400).send({ error: 'expected a JSON body { "users": ["name", ...] }' });
      const before = wallet.userCount;
      await wallet.createUsers(users as string[]);
      return reply.send({ created: wallet.userCount - before, users: wallet.userCount });
    });
  }

  app.get('/healthz', async () => ({ status: 'ok', users: wallet.userCount, transactions: wallet.transactionCount }));

  return app;
}

const INVALID_JSON = Symbol('invalid JSON');
const NO_BODY = Buffer.alloc(0);

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : NO_BODY;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

/**
 * The answer to a request refused before the engine saw it. It echoes `user` and
 * `request_uuid` when the body has them, and never a balance: an unverified caller learns
 * nothing about an account.
 */
function refusal(status: Status, body: unknown): UnknownUserResponse {
  const fields = readBody(body);
  return { user: stringField(fields, 'user'), status, request_uuid: stringField(fields, 'request_uuid') };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
