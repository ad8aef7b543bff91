/** A bounded closed loop of bets settled by wins and rollbacks: throughput, latency, exact balances. */
import { CheckFailure, type Check, type Exchange } from '../check.js';
import type { CheckContext, Player } from '../context.js';

/** The loop stops at this many requests even before its time is up. */
export const MAX_LOAD_REQUESTS = 1_000_000;

/** Exchanges that went wrong kept as evidence; the rest are only counted. */
const KEPT = 5;

/** What the load loop measured. */
export interface LoadFigures {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly inFlight: number;
  readonly refused: number;
}

class Loop {
  readonly latencies: number[] = [];
  readonly wrong: Exchange[] = [];
  refused = 0;
  /** Net money each player should have moved, from the answers. */
  readonly moved = new Map<string, number>();

  constructor(
    readonly context: CheckContext,
    readonly deadline: number,
  ) {}

  get more(): boolean {
    return performance.now() < this.deadline && this.latencies.length < MAX_LOAD_REQUESTS && !this.context.signal.aborted;
  }

  async call(route: '/transaction/bet' | '/transaction/win' | '/transaction/rollback', body: Record<string, unknown>, player: Player, delta: number): Promise<boolean> {
    const exchange = await this.context.client.send(route, body, 'key', this.context.signal);
    this.latencies.push(exchange.ms);
    if (exchange.httpStatus === 200 && exchange.answer?.status === 'RS_OK') {
      this.moved.set(player.user, (this.moved.get(player.user) ?? 0) + delta);
      return true;
    }
    this.refused++;
    if (this.wrong.length < KEPT) this.wrong.push(exchange);
    return false;
  }

  /** One worker: bet, then win it back or roll it back, until time or the count is up. */
  async worker(index: number): Promise<void> {
    const { context } = this;
    const player = context.player(index % context.players.length);
    for (let round = 0; this.more; round++) {
      const amount = 1 + ((index + round) % 9);
      const bet = context.betBody(player, amount);
      if (!(await this.call('/transaction/bet', bet, player, -amount))) continue;
      const reference = bet.transaction_uuid as string;
      const settled = round % 2 === 0
        ? await this.call('/transaction/win', context.winBody(player, reference, amount), player, amount)
        : await this.call('/transaction/rollback', context.rollbackBody(player, reference), player, amount);
      if (!settled) context.opened(player.user, reference);
    }
  }
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number);
}

/** Runs the loop and judges it; answers its figures. */
export async function runLoad(context: CheckContext): Promise<LoadFigures> {
  const began = performance.now();
  const loop = new Loop(context, began + context.settings.loadMs);
  await Promise.all(Array.from({ length: context.settings.inFlight }, (_, i) => loop.worker(i)));
  const seconds = (performance.now() - began) / 1000;
  context.exchanges.push(...loop.wrong);
  const sorted = [...loop.latencies].sort((a, b) => a - b);
  const figures: LoadFigures = {
    requests: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    inFlight: context.settings.inFlight,
    refused: loop.refused,
  };
  if (loop.refused > 0) throw new CheckFailure(`every call of the loop is answered RS_OK: ${loop.refused} of ${figures.requests} were not (${describeFigures(figures)})`, loop.wrong[0]);
  for (const player of context.players) await context.expectMoved(player, loop.moved.get(player.user) ?? 0, `the balance after the loop is what its answers add up to (${describeFigures(figures)})`);
  return figures;
}

/** The figures as one line. */
export function describeFigures(figures: LoadFigures): string {
  return `${figures.requests} requests in ${figures.seconds.toFixed(1)} s, ${Math.round(figures.perSecond)}/s, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, ${figures.inFlight} in flight`;
}

export const load: readonly Check[] = [
  {
    name: 'load.closed-loop',
    category: 'load',
    rule: 'under a closed loop of bets, wins and rollbacks every call is RS_OK and every balance ends exact',
    async run(context) {
      return describeFigures(await runLoad(context));
    },
  },
];
