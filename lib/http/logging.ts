import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import type { RequestFigures } from './metrics.js';

/** How many bytes of log lines the default destination gathers before it writes them. */
export const LOG_BUFFER_BYTES = 4096;

/** The longest a log line waits in the default destination before it is written, in milliseconds. */
export const LOG_FLUSH_MS = 250;

let standardOutput: DestinationStream | undefined;

/**
 * Standard output as the service logs to it unless told otherwise, one per process (shared by
 * every server in it). Lines are gathered and written together once {@link LOG_BUFFER_BYTES}
 * have piled up or {@link LOG_FLUSH_MS} have passed, rather than one write (a thread-pool round
 * trip) for every line or two; whatever is left is written when the process exits, SIGTERM and
 * SIGINT included (`exwallet` exits through `process.exit`). A crash loses at most the lines of
 * the last quarter second.
 */
export function standardOutputLog(): DestinationStream {
  standardOutput ??= pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
  return standardOutput;
}

/**
 * Logs each request once, when it completes: its request id, method, URL, HTTP code, the wallet
 * status it was answered with and its duration. It also counts the request in `figures` when
 * `/metrics` is on, so one call per request does both, with no `onResponse` hook to run. The line
 * is logged through the server's own logger with the request id as a field, the same line a
 * request's child logger would write, so no child logger is made for it.
 */
export class RequestLog extends LogController {
  figures: RequestFigures | undefined;
  logger: FastifyBaseLogger | undefined;

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const durationMs = reply.elapsedTime;
    if (this.figures !== undefined) {
      this.figures.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, request.walletStatus ?? '', durationMs / 1000);
    }
    const logger = this.logger ?? reply.log;
    const line = {
      [this.requestIdLogLabel]: request.id,
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      status: request.walletStatus,
      durationMs,
    };
    if (error) logger.error({ ...line, err: error }, 'request');
    else logger.info(line, 'request');
  }
}

type LogMethod = (...args: unknown[]) => void;

/**
 * A request's logger (`request.log`), made as a pino child with the request id bound only when
 * something logs through it: an error, a probe's warning. Most requests log only their request
 * line, which {@link RequestLog} writes without one.
 */
class LazyRequestLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Record<string, unknown>;
  readonly #options: object;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Record<string, unknown>, options: object) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? (this.#options as { level?: string }).level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.#logger.fatal as LogMethod)(...args);
  }

  error(...args: unknown[]): void {
    (this.#logger.error as LogMethod)(...args);
  }

  warn(...args: unknown[]): void {
    (this.#logger.warn as LogMethod)(...args);
  }

  info(...args: unknown[]): void {
    (this.#logger.info as LogMethod)(...args);
  }

  debug(...args: unknown[]): void {
    (this.#logger.debug as LogMethod)(...args);
  }

  trace(...args: unknown[]): void {
    (this.#logger.trace as LogMethod)(...args);
  }

  silent(...args: unknown[]): void {
    (this.#logger.silent as LogMethod)(...args);
  }

  child(bindings: Record<string, unknown>, options?: object): FastifyBaseLogger {
    return this.#logger.child(bindings, options);
  }
}

/** fastify's `childLoggerFactory`: each request's logger is a {@link LazyRequestLogger}. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Record<string, unknown>, options: object): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
