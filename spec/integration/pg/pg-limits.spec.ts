/**
 * Responsible-gambling limits (SPEC 12) with two real service processes (`exwallet
 * --database-url`) on one PostgreSQL database: a limit set through one holds in the other at
 * once, and one user's period sums stay exact while both take that user's bets at the same time.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { seededRandom, uuid } from '../../../test-support/random.js';
import { HttpClient } from './http-client.js';
import { ADMIN_TOKEN, killAll, startService, type RunningService } from './services.js';
import { adminCreateUsers, balanceOver, ledger, parse, type Answer } from './wallet-checks.js';
import { freshDatabase, type FreshDatabase } from '../../../test-support/postgres.js';

const SEED = 0x5eed_1122;
const LIMIT_NAMES = ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'] as const;
type Sums = Record<(typeof LIMIT_NAMES)[number], number>;

interface Report {
  user: string;
  limits: Record<string, number | null>;
  pending: Record<string, { value: number | null; applies_at: string }>;
  usage: Sums;
}

const databases: FreshDatabase[] = [];
const clients: HttpClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  killAll();
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

/** Two service processes on a fresh database, each with a client of `connections` sockets. */
async function twoProcesses(connections: number): Promise<{ db: FreshDatabase; a: HttpClient; b: HttpClient; services: RunningService[] }> {
  const db = await freshDatabase();
  databases.push(db);
  const services = await Promise.all([startService(db.url), startService(db.url)]);
  const [a, b] = services.map((service) => {
    const made = new HttpClient(service.url, connections);
    clients.push(made);
    return made;
  }) as [HttpClient, HttpClient];
  return { db, a, b, services };
}

/** An admin call with the bearer token; resolves with the status and the JSON answer. */
async function admin(via: HttpClient, method: 'GET' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(new URL(path, via.baseUrl), {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function setLimits(via: HttpClient, user: string, update: Record<string, number | null>): Promise<Report> {
  const answer = await admin(via, 'PUT', `/admin/users/${user}/limits`, update);
  expect(answer.status).toBe(200);
  return answer.json as Report;
}

async function getLimits(via: HttpClient, user: string): Promise<Report> {
  const answer = await admin(via, 'GET', `/admin/users/${user}/limits`);
  expect(answer.status).toBe(200);
  return answer.json as Report;
}

let nextId = 0x6a0000000;
const id = (): string => uuid(nextId++);

function betOf(user: string, amount: number): Record<string, unknown> {
  return { user, transaction_uuid: id(), request_uuid: id(), currency: 'USD', amount };
}

async function bet(via: HttpClient, user: string, amount: number): Promise<Answer> {
  return parse(await via.wallet('/transaction/bet', betOf(user, amount)));
}

/** The same sum in all three periods: what the usage is when everything happened in one day. */
function sameInAll(wager: number, loss: number): Sums {
  return { wager_day: wager, wager_week: wager, wager_month: wager, loss_day: loss, loss_week: loss, loss_month: loss };
}

/** The UTC day now, to tell whether a run crossed midnight (and with it the period sums). */
const today = (): string => new Date().toISOString().slice(0, 10);

describe('a limit set through one process is enforced by another at once', () => {
  it('refuses through process B the bet past a limit set through process A, and the other way round, with no wait', async () => {
    const { a, b } = await twoProcesses(4);
    await adminCreateUsers(a, ['kim']);
    expect((await setLimits(a, 'kim', { wager_day: 500 })).limits.wager_day).toBe(500);
    expect(await bet(b, 'kim', 400)).toMatchObject({ status: 'RS_OK', balance: 99_600 });
    expect(await bet(b, 'kim', 101)).toMatchObject({ status: 'RS_ERROR_LIMIT_REACHED', balance: 99_600 });
    expect(await bet(a, 'kim', 101)).toMatchObject({ status: 'RS_ERROR_LIMIT_REACHED', balance: 99_600 });
    expect((await bet(a, 'kim', 100)).status).toBe('RS_OK');
    expect((await getLimits(b, 'kim')).usage.wager_day).toBe(500);

    // Lowered through B, a first loss limit through B: A refuses at once.
    await setLimits(b, 'kim', { wager_day: 0, loss_week: 500 });
    expect((await bet(a, 'kim', 1)).status).toBe('RS_ERROR_LIMIT_REACHED');
  });

  it('shows a raise set through one process as pending through the other, the old limit holding in both', async () => {
    const { a, b } = await twoProcesses(4);
    await adminCreateUsers(a, ['kim']);
    await setLimits(a, 'kim', { loss_day: 100 });
    const raised = await setLimits(b, 'kim', { loss_day: 10_000 });
    expect(raised.limits.loss_day).toBe(100);
    const seen = await getLimits(a, 'kim');
    expect(seen.pending).toEqual(raised.pending);
    expect(seen.pending.loss_day?.value).toBe(10_000);
    expect(Date.parse(seen.pending.loss_day?.applies_at ?? '') - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await bet(a, 'kim', 101)).status).toBe('RS_ERROR_LIMIT_REACHED');
    expect((await bet(b, 'kim', 101)).status).toBe('RS_ERROR_LIMIT_REACHED');
    expect((await bet(b, 'kim', 100)).status).toBe('RS_OK');
  });
});

describe("one user's period sums stay exact while two processes take that user's bets, wins and rollbacks at once, and no accepted bet passes a limit", () => {
  it('sums exactly the accepted bets, less the cancelled ones and the wins, and refuses each bet that would have passed the limit', async () => {
    for (let attempt = 1; ; attempt += 1) {
      const day = today();
      const { db, a, b } = await twoProcesses(32);
      const start = 1_000_000;
      await adminCreateUsers(a, [{ user: 'hot', balance: start }]);
      const WAGER_LIMIT = 40_000;
      await setLimits(b, 'hot', { wager_day: WAGER_LIMIT, wager_month: 2 * WAGER_LIMIT });

      // 1. 1,600 bets of 1 to 100 at once, alternately through A and B.
      const random = seededRandom(SEED + attempt);
      const bets = Array.from({ length: 1_600 }, () => betOf('hot', 1 + Math.floor(random() * 100)));
      const answers = (await Promise.all(bets.map((body, i) => (i % 2 === 0 ? a : b).wallet('/transaction/bet', body)))).map(parse);
      const accepted = bets.filter((_, i) => answers[i]?.status === 'RS_OK');
      const statuses = new Set(answers.map((answer) => answer.status));
      expect([...statuses].sort()).toEqual(['RS_ERROR_LIMIT_REACHED', 'RS_OK']);
      const wagered = accepted.reduce((sum, body) => sum + (body.amount as number), 0);
      expect(wagered).toBeLessThanOrEqual(WAGER_LIMIT);
      // The database ordered them: the balance each left tells the wager before and after it.
      answers.forEach((answer, i) => {
        const amount = bets[i]?.amount as number;
        const wagerBefore = start - (answer.balance as number) - (answer.status === 'RS_OK' ? amount : 0);
        if (answer.status === 'RS_OK') expect(wagerBefore + amount).toBeLessThanOrEqual(WAGER_LIMIT);
        else expect(wagerBefore + amount).toBeGreaterThan(WAGER_LIMIT);
      });
      expect(await balanceOver(a, 'hot')).toBe(start - wagered);
      const afterBets = await getLimits(a, 'hot');

      // 2. Wins of a third of the accepted bets and rollbacks of another third, at once, through both.
      const settled = accepted.map((body, i) => {
        const path = i % 3 === 0 ? '/transaction/win' : i % 3 === 1 ? '/transaction/rollback' : undefined;
        if (path === undefined) return undefined;
        const common = { user: 'hot', transaction_uuid: id(), request_uuid: id(), reference_transaction_uuid: body.transaction_uuid };
        return path === '/transaction/win' ? { path, body: { ...common, currency: 'USD', amount: Math.floor(random() * 60) } } : { path, body: common };
      });
      const settling = settled.flatMap((request, i) => (request === undefined ? [] : [(i % 2 === 0 ? b : a).wallet(request.path, request.body).then(parse)]));
      expect(new Set((await Promise.all(settling)).map((answer) => answer.status))).toEqual(new Set(['RS_OK']));
      const cancelled = accepted.filter((_, i) => i % 3 === 1).reduce((sum, body) => sum + (body.amount as number), 0);
      const won = settled.reduce((sum, request) => sum + (request?.path === '/transaction/win' ? (request.body as { amount: number }).amount : 0), 0);
      const afterSettling = await getLimits(b, 'hot');

      // 3. A loss limit 2,000 over the loss now, then 400 bets of 1 to 20 at once through both.
      const lossNow = wagered - cancelled - won;
      expect(lossNow).toBeGreaterThan(0);
      const LOSS_LIMIT = lossNow + 2_000;
      await setLimits(a, 'hot', { loss_day: LOSS_LIMIT, wager_day: null, wager_month: null });
      const before = (await balanceOver(b, 'hot')) as number;
      const more = Array.from({ length: 400 }, () => betOf('hot', 1 + Math.floor(random() * 20)));
      const moreAnswers = (await Promise.all(more.map((body, i) => (i % 2 === 0 ? b : a).wallet('/transaction/bet', body)))).map(parse);
      const moreAccepted = more.filter((_, i) => moreAnswers[i]?.status === 'RS_OK');
      const moreWagered = moreAccepted.reduce((sum, body) => sum + (body.amount as number), 0);
      moreAnswers.forEach((answer, i) => {
        const amount = more[i]?.amount as number;
        // The removal of wager_day (null) waits 24 hours: it still holds, so either limit may refuse.
        const spent = before - (answer.balance as number) - (answer.status === 'RS_OK' ? amount : 0);
        const lossBefore = lossNow + spent;
        const wagerBefore = wagered - cancelled + spent;
        if (answer.status === 'RS_OK') {
          expect(lossBefore + amount).toBeLessThanOrEqual(LOSS_LIMIT);
          expect(wagerBefore + amount).toBeLessThanOrEqual(WAGER_LIMIT);
        } else {
          expect(answer.status).toBe('RS_ERROR_LIMIT_REACHED');
          expect(lossBefore + amount > LOSS_LIMIT || wagerBefore + amount > WAGER_LIMIT).toBe(true);
        }
      });
      const final = await getLimits(a, 'hot');
      const rows = await ledger(db.url);

      if (today() !== day && attempt < 3) continue; // midnight UTC passed: the sums split between two days
      expect(afterBets.usage).toEqual(sameInAll(wagered, wagered));
      expect(afterSettling.usage).toEqual(sameInAll(wagered - cancelled, lossNow));
      expect(final.usage).toEqual(sameInAll(wagered - cancelled + moreWagered, lossNow + moreWagered));
      expect(final.usage.loss_day).toBeLessThanOrEqual(LOSS_LIMIT);
      expect(final.usage.wager_day).toBeLessThanOrEqual(WAGER_LIMIT);
      expect(rows.unbalanced).toEqual([]);
      expect(rows.balances).toBe(rows.opening + rows.moved);
      return;
    }
  });
});
