import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { nanoid } from 'nanoid';
import type { DestinationStream, LevelWithSilent } from 'pino';
import { Status, type Operation, type UnknownUserResponse, type UserInfoResponse, type WalletResponse } from '../types.js';
import { start, type Wallet } from '../index.js';
import { readBody, stringField } from '../validation.js';
import { bodySigner, signatureHeader, signatureVerifier, SIGNATURE_HEADER, type KeyInput } from './signature.js';
import { checkTimeouts, DEFAULT_TIMEOUTS, timeoutOptions, type Timeouts } from './timeouts.js';
import { bearerGuard, registerAdminRoutes } from './admin.js';
import { registerPlayerRoutes } from './player-routes.js';
import { registerBackOfficeRoutes } from './backoffice.js';
import { INVALID_JSON, parseJson, rawBody } from './body.js';
import { registerMetrics, RequestFigures } from './metrics.js';
import { lazyChildLogger, RequestLog, standardOutputLog } from './logging.js';
import { answerWhatWasTaken } from './shutdown.js';
import { openApiDocument } from './openapi.js';
import { registerProbes } from './probes.js';
import { StatsCache } from './stats.js';

/** Largest request body accepted unless {@link ServerOptions.bodyLimit} says otherwise: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The shortest admin token accepted: a shorter one could be guessed. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** Settings of the HTTP service; the {@link Timeouts} default to {@link DEFAULT_TIMEOUTS}. */
export interface ServerOptions extends Partial<Timeouts> {
  /** The engine to serve. Default: a new one, stopped when the server closes. */
  readonly wallet?: Wallet;
  /** Hub88's public key (PEM); requests must carry its signature. */
  readonly hub88PublicKey?: KeyInput;
  /**
   * `false` accepts unsigned requests; it cannot be combined with `hub88PublicKey` (a key given
   * means requests are verified). Only this option turns verification off. Default `true`.
   */
  readonly verifySignatures?: boolean;
  /** The operator's private key (PEM); when given, every wallet response is signed with it. */
  readonly privateKey?: KeyInput;
  /** Largest request body in bytes; larger ones are refused with HTTP 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /**
   * Bearer token of the admin routes (`/admin/...`): at least 16 visible ASCII characters.
   * Without one those routes do not exist.
   */
  readonly adminToken?: string;
  /**
   * Bearer token of `GET /metrics`, like the admin token but never equal to it: whatever scrapes
   * metrics must not move money. Without one the route does not exist.
   */
  readonly metricsToken?: string;
  /** pino log level. Default `info`. */
  readonly logLevel?: LevelWithSilent;
  /** Where log lines go. Default standard output, written in batches (see {@link standardOutputLog}). */
  readonly logDestination?: DestinationStream;
}

/** The wallet routes of the Hub88 Operator API and the operation each one calls. */
export const WALLET_ROUTES: ReadonlyArray<readonly [string, Operation]> = [
  ['/user/balance', 'balance'],
  ['/transaction/bet', 'bet'],
  ['/transaction/win', 'win'],
  ['/transaction/rollback', 'rollback'],
];

declare module 'fastify' {
  interface FastifyRequest {
    /** The `status` this request was answered with, for the request log line. */
    walletStatus?: string;
  }
}

/**
 * The Hub88 Operator wallet service on fastify: the four wallet routes and `/user/info`, answered
 * with HTTP 200 and the engine's response as JSON (Hub88 reads `status`), plus the probes (`/livez`,
 * `/readyz`, `/healthz`: see {@link registerProbes}), `/openapi.json`, with an admin token the
 * admin routes and with a metrics token `/metrics`. Throws at once on
 * a configuration that would accept requests unverified by accident or open the admin routes to
 * a guessable token, on a key that cannot be read, and on timeouts out of range.
 *
 * `close()` answers every request it took and judges none it reads afterwards, pipelined ones
 * included (see {@link answerWhatWasTaken}); each connection closes after its last answer.
 */
export function buildServer(options: ServerOptions = {}): FastifyInstance {
  const { verifySignatures = true, bodyLimit = DEFAULT_BODY_LIMIT, logLevel = 'info' } = options;
  if (verifySignatures && options.hub88PublicKey === undefined) {
    throw new Error('a Hub88 public key is required to verify request signatures (or turn verification off explicitly)');
  }
  if (!verifySignatures && options.hub88PublicKey !== undefined) {
    throw new Error('verification cannot be turned off while a Hub88 public key is given: a key means requests are verified');
  }
  if (options.adminToken !== undefined) checkAdminToken(options.adminToken);
  if (options.metricsToken !== undefined) checkAdminToken(options.metricsToken, 'metrics token');
  if (options.metricsToken !== undefined && options.metricsToken === options.adminToken) {
    throw new Error('the metrics token must differ from the admin token: whatever scrapes metrics must not be able to move money');
  }
  const timeouts: Timeouts = {
    headersTimeout: options.headersTimeout ?? DEFAULT_TIMEOUTS.headersTimeout,
    requestTimeout: options.requestTimeout ?? DEFAULT_TIMEOUTS.requestTimeout,
    idleTimeout: options.idleTimeout ?? DEFAULT_TIMEOUTS.idleTimeout,
    keepAliveTimeout: options.keepAliveTimeout ?? DEFAULT_TIMEOUTS.keepAliveTimeout,
  };
  checkTimeouts(timeouts);
  const verifier = verifySignatures && options.hub88PublicKey !== undefined ? signatureVerifier(options.hub88PublicKey) : undefined;
  const signer = options.privateKey === undefined ? undefined : bodySigner(options.privateKey);
  const wallet = options.wallet ?? start();

  const requestLog = new RequestLog();
  const app = Fastify({
    bodyLimit,
    ...timeoutOptions(timeouts),
    // While it closes, answerWhatWasTaken decides: a request taken is answered by the engine,
    // one not taken is never answered (not even 503), so nothing it judged goes unanswered.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    genReqId: () => nanoid(12),
    logController: requestLog,
    childLoggerFactory: lazyChildLogger,
    // Silent, no destination is opened; otherwise standard output, its lines written in batches.
    logger: logLevel === 'silent' && options.logDestination === undefined ? { level: logLevel } : { level: logLevel, stream: options.logDestination ?? standardOutputLog() },
  });
  requestLog.logger = app.log;

  // Every body is kept as raw bytes: signatures cover the bytes, and bad JSON is a wallet status.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  if (options.wallet === undefined) app.addHook('onClose', () => wallet.stop());

  answerWhatWasTaken(app);

  const stats = new StatsCache(wallet);
  const guard = options.adminToken === undefined ? undefined : bearerGuard(options.adminToken);
  if (options.metricsToken !== undefined) {
    requestLog.figures = new RequestFigures();
    registerMetrics(app, wallet, stats, bearerGuard(options.metricsToken), requestLog.figures);
  }

  function answer(request: FastifyRequest, reply: FastifyReply, response: WalletResponse | UserInfoResponse): FastifyReply {
    const text = JSON.stringify(response);
    request.walletStatus = response.status;
    reply.code(200).type('application/json; charset=utf-8');
    if (signer !== undefined) reply.header(SIGNATURE_HEADER, signer(text));
    return reply.send(text);
  }

  /** A Hub88 route: its signature checked first, bad JSON a status, then `serve` judges the body. */
  function hub88Route(path: string, serve: (body: unknown) => Promise<WalletResponse | UserInfoResponse>): void {
    app.post(path, async (request, reply) => {
      const raw = rawBody(request);
      if (verifier !== undefined && !(await verifier(raw, signatureHeader(request.headers, request.raw.rawHeaders)))) {
        return answer(request, reply, refusal(Status.INVALID_SIGNATURE, parseJson(raw)));
      }
      const body = parseJson(raw);
      if (body === INVALID_JSON) return answer(request, reply, refusal(Status.WRONG_SYNTAX, undefined));
      return answer(request, reply, await serve(body));
    });
  }

  for (const [path, operation] of WALLET_ROUTES) hub88Route(path, (body) => wallet.handle(operation, body));
  hub88Route('/user/info', (body) => wallet.userInfo(body));

  if (guard !== undefined) registerAdminRoutes(app, wallet, guard);
  if (guard !== undefined) registerPlayerRoutes(app, wallet, guard);
  if (guard !== undefined) registerBackOfficeRoutes(app, wallet, guard);

  registerProbes(app, wallet, stats);

  const openapi = JSON.stringify(openApiDocument({ admin: guard !== undefined, metrics: options.metricsToken !== undefined }));
  app.get('/openapi.json', (_request, reply) => reply.type('application/json; charset=utf-8').send(openapi));

  return app;
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

/** Throws unless a bearer token (`what`: the admin or metrics token) is long enough to resist guessing and fits in an HTTP header. */
export function checkAdminToken(token: string, what = 'admin token'): void {
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(`the ${what} must be at least ${MIN_ADMIN_TOKEN_LENGTH} visible ASCII characters without spaces (got ${token.length} characters)`);
  }
}
