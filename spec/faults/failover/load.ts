/**
 * A bet/win/rollback load over HTTP that retries as an aggregator does: a request whose outcome
 * is unknown (its connection lost, or answered `RS_ERROR_UNKNOWN` when the reference model says
 * otherwise) is resent unchanged until it gets a definite answer; a lost connection moves the
 * sender on to the next service process.
 *
 * One lane per user sends that user's requests one after another; the lanes run at once. Lanes
 * cannot change each other's answers (a user's balance, bets and rollbacks are its own; a win
 * naming another user's bet is refused the same way whether that bet exists yet or not), so the
 * reference model, called in whatever order the lanes interleave, predicts every definite
 * answer exactly.
 */
import type { ReferenceWallet } from '../../support/model/reference-wallet.js';
import type { WorkloadRequest } from '../../support/model/workload.js';

/** One HTTP answer the load received. */
export interface Answer {
  /** The request's index in the workload. */
  readonly index: number;
  readonly request: WorkloadRequest;
  /** `performance.now()` when it was sent and when its answer had been read. */
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly status: string;
  /** The response body, byte for byte. */
  readonly text: string;
  /** The service (index into the load's service URLs) that answered. */
  readonly via: number;
}

/** A request whose connection failed before an answer came (refused, reset, or timed out). */
export interface LostRequest {
  readonly index: number;
  readonly sentAt: number;
  readonly failedAt: number;
  readonly via: number;
  readonly reason: string;
}

/** A definite answer that is not the reference model's. */
export interface Mismatch {
  readonly answer: Answer;
  readonly expected: string;
}

const UNKNOWN = 'RS_ERROR_UNKNOWN';
/** Sends of one request before the load gives up on it (and the test fails). */
const MAX_ATTEMPTS = 200;

interface Waiter {
  readonly check: () => boolean;
  readonly what: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class Load {
  readonly answers: Answer[] = [];
  readonly lost: LostRequest[] = [];
  readonly mismatches: Mismatch[] = [];
  /** Indexes of requests that never got a definite answer (each stops its lane). */
  readonly abandoned: number[] = [];
  /** Resolves once every lane has sent its last request and had its definite answer. */
  readonly done: Promise<void>;
  #waiters = new Set<Waiter>();
  #finished = false;

  /**
   * Starts sending at once. `model` must hold the users and state the services' database holds;
   * it is advanced by every request as its lane reaches it. `requestTimeout` bounds one HTTP
   * exchange: a service that answers nothing by then counts as a lost connection.
   */
  constructor(
    readonly requests: readonly WorkloadRequest[],
    private readonly model: ReferenceWallet,
    readonly services: readonly string[],
    private readonly requestTimeout: number,
  ) {
    const lanes = new Map<string, number[]>();
    requests.forEach((request, index) => {
      const user = String(request.body.user);
      lanes.set(user, [...(lanes.get(user) ?? []), index]);
    });
    this.done = Promise.all([...lanes.values()].map((lane) => this.#runLane(lane))).then(() => {
      this.#finished = true;
      for (const waiter of this.#waiters) waiter.reject(new Error(`the load finished before ${waiter.what}`));
      this.#waiters.clear();
    });
  }

  /** The answers with `RS_OK`: the acknowledged transactions. */
  acknowledged(): Answer[] {
    return this.answers.filter((answer) => answer.status === 'RS_OK');
  }

  /** Resolves as soon as `check` holds (checked now and after every answer or lost connection). */
  until(what: string, check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.#finished) return Promise.reject(new Error(`the load finished before ${what}`));
    return new Promise((resolve, reject) => this.#waiters.add({ check, what, resolve, reject }));
  }

  #changed(): void {
    for (const waiter of this.#waiters) {
      if (!waiter.check()) continue;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }

  async #runLane(lane: readonly number[]): Promise<void> {
    let via = 0;
    for (const index of lane) {
      const request = this.requests[index] as WorkloadRequest;
      const expected = JSON.stringify(this.model.call(request.operation, request.body));
      const payload = JSON.stringify(request.body);
      let settled = false;
      for (let attempt = 0; attempt < MAX_ATTEMPTS && !settled; attempt += 1) {
        const sentAt = performance.now();
        let status: string;
        let text: string;
        try {
          const response = await fetch(`${this.services[via]}/transaction/${request.operation}`, {
            method: 'POST',
            body: payload,
            headers: { 'content-type': 'application/json' },
            signal: AbortSignal.timeout(this.requestTimeout),
          });
          text = await response.text();
          status = response.status === 200 ? String((JSON.parse(text) as { status?: unknown }).status) : `HTTP ${response.status}`;
        } catch (error) {
          const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
          this.lost.push({ index, sentAt, failedAt: performance.now(), via, reason });
          via = (via + 1) % this.services.length;
          this.#changed();
          continue;
        }
        const answer: Answer = { index, request, sentAt, receivedAt: performance.now(), status, text, via };
        this.answers.push(answer);
        if (text === expected) settled = true;
        else if (status !== UNKNOWN) {
          this.mismatches.push({ answer, expected });
          settled = true;
        }
        this.#changed();
      }
      if (!settled) {
        // The lane stops: its later requests would be judged against a state the model does not know.
        this.abandoned.push(index);
        return;
      }
    }
  }
}
