import { generateKeyPair, type KeyObject } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Agent as TlsAgent, request as tlsRequest } from 'node:https';
import { signBody, SIGNATURE_HEADER } from '../http/signature.js';
import type { Exchange } from './exchange.js';

/** The four wallet routes of the Hub88 Operator API. */
export type Route = '/user/balance' | '/transaction/bet' | '/transaction/win' | '/transaction/rollback';

/**
 * How one request is signed: with the kit's key (as Hub88 does), not at all, or with exactly the
 * given header value(s) (an array sends the header once per value).
 */
export type Signing = 'key' | 'none' | { readonly header: string | readonly string[] };

/** A body as bytes to send untouched (malformed JSON, an empty body), instead of an object to serialize. */
export class RawBody {
  constructor(readonly text: string) {}
}

/** Longest wait for one answer. */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * The kit's HTTP client: posts to the wallet routes under one base URL and nowhere else, signs
 * the exact bytes it sends when it holds a key, and hands back every answer as an
 * {@link Exchange}, never throwing for what the wallet did (a refused connection is an exchange
 * with an `error`).
 */
export class WalletClient {
  readonly #base: URL;
  readonly #agent: Agent;
  readonly #key: KeyObject | undefined;
  readonly #tokens: ReadonlyMap<string, string>;

  /** `tokens`: the session token of each test player that has one, sent as Hub88 sends it. */
  constructor(baseUrl: string, key: KeyObject | undefined, sockets: number, tokens: ReadonlyMap<string, string> = new Map()) {
    this.#base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.#key = key;
    this.#tokens = tokens;
    this.#agent = this.#base.protocol === 'https:' ? new TlsAgent({ keepAlive: true, maxSockets: sockets }) : new Agent({ keepAlive: true, maxSockets: sockets });
  }

  /** Whether requests are signed by default. */
  get signs(): boolean {
    return this.#key !== undefined;
  }

  /** The signature of `text` with the kit's key; throws without one (a check's programming error). */
  sign(text: string): string {
    if (this.#key === undefined) throw new Error('the kit holds no key');
    return signBody(text, this.#key);
  }

  /**
   * POSTs `body` (an object is sent as JSON) to `route` under the base URL. An object naming a
   * player the kit holds a token for carries it as `token`, unless it has a `token` of its own.
   */
  send(route: Route, body: unknown, signing: Signing = 'key', signal?: AbortSignal): Promise<Exchange> {
    const sent = body instanceof RawBody ? body.text : JSON.stringify(this.#withToken(body));
    const payload = Buffer.from(sent);
    const headers: Record<string, string | string[]> = { 'content-type': 'application/json', 'content-length': String(payload.length) };
    let signature = 'unsigned';
    if (signing === 'key' && this.#key !== undefined) {
      headers[SIGNATURE_HEADER] = signBody(payload, this.#key);
      signature = 'signed';
    } else if (typeof signing === 'object') {
      headers[SIGNATURE_HEADER] = typeof signing.header === 'string' ? signing.header : [...signing.header];
      signature = `${SIGNATURE_HEADER}: ${JSON.stringify(signing.header)}`;
    }
    const url = new URL(route.slice(1), this.#base);
    const began = performance.now();
    const exchange = (fields: Partial<Exchange> & Pick<Exchange, 'received'>): Exchange => ({ route, sent, signature, ms: performance.now() - began, ...fields });
    return new Promise((resolve) => {
      const send = url.protocol === 'https:' ? tlsRequest : request;
      const req = send(url, { method: 'POST', agent: this.#agent, headers, timeout: ANSWER_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => resolve(exchange({ received: '', error: error.message })));
        res.on('end', () => {
          const received = Buffer.concat(chunks).toString('utf8');
          const answer = parseObject(received);
          resolve(
            exchange({
              received,
              httpStatus: res.statusCode ?? 0,
              ...(answer === undefined ? {} : { answer }),
              ...(res.headers['content-type'] === undefined ? {} : { contentType: res.headers['content-type'] }),
            }),
          );
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`)));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(exchange({ received: '', error: error.code ?? error.message })));
      req.end(payload);
    });
  }

  #withToken(body: unknown): unknown {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.hasOwn(body, 'token')) return body;
    const { user } = body as { user?: unknown };
    const token = typeof user === 'string' ? this.#tokens.get(user) : undefined;
    return token === undefined ? body : { ...body, token };
  }

  /** Closes every kept-alive connection. */
  close(): void {
    this.#agent.destroy();
  }
}

function parseObject(text: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh RSA key the wallet cannot know, to sign with in the "other key" check. */
export function strangerKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey))),
  );
}
