import { Agent, request } from 'node:http';

/** What came back over HTTP: the status code and the body exactly as sent, as text. */
export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * A keep-alive HTTP/1.1 client for one service address, with at most `connections` sockets:
 * requests beyond that wait for a free one, as a load balancer's pool does. Bodies are returned
 * as the raw text the service wrote, so replays can be compared byte for byte. A connection that
 * breaks before the whole response arrived rejects: that response was never acknowledged.
 */
export class HttpClient {
  readonly #agent: Agent;

  constructor(
    readonly baseUrl: string,
    connections: number,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** POSTs `body` as JSON. */
  post(path: string, body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<HttpAnswer> {
    return this.#send('POST', path, Buffer.from(JSON.stringify(body)), headers);
  }

  get(path: string): Promise<HttpAnswer> {
    return this.#send('GET', path, undefined, {});
  }

  /** POSTs to a wallet route and resolves with the response body's text (HTTP 200 expected). */
  async wallet(path: string, body: unknown): Promise<string> {
    const answer = await this.post(path, body);
    if (answer.status !== 200) throw new Error(`${path} answered HTTP ${answer.status}: ${answer.text}`);
    return answer.text;
  }

  /** Closes every socket. */
  close(): void {
    this.#agent.destroy();
  }

  #send(method: string, path: string, payload: Buffer | undefined, headers: Readonly<Record<string, string>>): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const contentHeaders = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(payload.length) };
      const req = request(new URL(path, this.baseUrl), { method, agent: this.#agent, headers: { ...contentHeaders, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('close', () => {
          if (res.complete) resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          else reject(new Error(`${method} ${path}: the connection closed before the whole response arrived`));
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
