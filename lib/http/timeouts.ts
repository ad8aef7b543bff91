import type { ServerOptions as HttpServerOptions } from 'node:http';

/** How long the service waits on a client, in milliseconds. */
export interface Timeouts {
  /** From a request's first byte to the end of its headers; past it: HTTP 408, connection closed. */
  readonly headersTimeout: number;
  /** From a request's first byte to the end of its body; past it: HTTP 408, connection closed. */
  readonly requestTimeout: number;
  /** A connection on which nothing is sent or received for this long is closed. */
  readonly idleTimeout: number;
  /** How long a keep-alive connection waits for its next request after a response. */
  readonly keepAliveTimeout: number;
}

/**
 * The timeouts used unless set: 10 s for headers, 30 s for a whole request, 60 s of silence,
 * 72 s between keep-alive requests (longer than the 60 s idle limit of common load balancers,
 * so that they, not the service, close a pooled connection).
 */
export const DEFAULT_TIMEOUTS: Timeouts = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  idleTimeout: 60_000,
  keepAliveTimeout: 72_000,
};

/** The largest delay a Node.js timer takes. */
export const MAX_TIMEOUT = 2 ** 31 - 1;

/** Throws unless every timeout is a whole number of milliseconds and headers fit in the request. */
export function checkTimeouts(timeouts: Timeouts): void {
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_TIMEOUT) {
      throw new RangeError(`${name} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT}, got ${String(value)}`);
    }
  }
  if (timeouts.headersTimeout > timeouts.requestTimeout) {
    throw new RangeError(`headersTimeout (${timeouts.headersTimeout} ms) must not exceed requestTimeout (${timeouts.requestTimeout} ms)`);
  }
}

/**
 * The fastify options that apply the timeouts. Node.js looks for expired headers and requests
 * only every `connectionsCheckingInterval` (30 s by default, longer than the timeouts
 * themselves), so the interval is tied to the shortest of the two: a late request is cut at
 * most a quarter of its timeout (and never more than one second) after it expires.
 */
export function timeoutOptions(timeouts: Timeouts): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: HttpServerOptions;
} {
  const shortest = Math.min(timeouts.headersTimeout, timeouts.requestTimeout);
  return {
    connectionTimeout: timeouts.idleTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    requestTimeout: timeouts.requestTimeout,
    http: {
      headersTimeout: timeouts.headersTimeout,
      requestTimeout: timeouts.requestTimeout,
      keepAliveTimeout: timeouts.keepAliveTimeout,
      connectionsCheckingInterval: Math.max(1, Math.min(1000, Math.floor(shortest / 4))),
    },
  };
}
