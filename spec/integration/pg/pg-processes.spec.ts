/**
 * Several real service processes (`exwallet --database-url`) on one PostgreSQL database, driven
 * over HTTP: ids claimed once across processes, one user's balance ordered by the database,
 * nothing acknowledged lost when a process is SIGKILLed, and health that follows the database.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { ReferenceWallet } from '../../support/model/reference-wallet.js';
import { uuid } from '../../../test-support/random.js';
import { HttpClient } from './http-client.js';
import { inParallel, killAll, startService, waitFor, withSql } from './services.js';
import { adminCreateUsers, balanceOver, ledger, parse, type Answer } from './wallet-checks.js';
import { roundChains, sharedIdBets, type WalletRequest } from './workloads.js';
import { freshDatabase, startPostgres, type FreshDatabase, type PgServer } from '../../../test-support/postgres.js';

const SEED = 0x5eed_2026;

const databases: FreshDatabase[] = [];
const clients: HttpClient[] = [];
const servers: PgServer[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  killAll();
  await Promise.all(databases.splice(0).map((database) => database.drop()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function database(): Promise<FreshDatabase> {
  const fresh = await freshDatabase();
  databases.push(fresh);
  return fresh;
}

function client(url: string, connections: number): HttpClient {
  const made = new HttpClient(url, connections);
  clients.push(made);
  return made;
}

describe('a transaction id sent through several processes at once is applied once', () => {
  it('answers each id RS_OK once, an identical copy with the identical replay, a differing one RS_ERROR_DUPLICATE_TRANSACTION', async () => {
    const db = await database();
    const services = await Promise.all([startService(db.url), startService(db.url), startService(db.url)]);
    const users = ['ada', 'bo', 'cy', 'di', 'ed', 'flo'];
    const via = services.map((service) => client(service.url, 16));
    await adminCreateUsers(via[2] as HttpClient, users);
    const work = sharedIdBets(SEED, 300, users);

    // Every request is queued at once. The first and third processes go through the list in
    // order, racing on every id; the second goes from its end, crossing them half-way.
    const sent = via.map((http, j) => {
      const order = j === 1 ? [...work].reverse() : work;
      const texts = Promise.all(order.map(({ copies }) => http.wallet((copies[j] as WalletRequest).path, (copies[j] as WalletRequest).body)));
      return j === 1 ? texts.then((list) => list.reverse()) : texts;
    });
    const answered = await Promise.all(sent);

    const applied: Array<{ request: WalletRequest; text: string; answer: Answer }> = [];
    work.forEach(({ copies, variants }, i) => {
      const texts = answered.map((list) => list[i] as string);
      const answers = texts.map(parse);
      // The copy applied is the one RS_OK answer that echoes its own request_uuid.
      const winners = answers.flatMap((answer, j) => (answer.status === 'RS_OK' && answer.request_uuid === copies[j]?.body.request_uuid ? [j] : []));
      expect({ i, winners: winners.length }).toEqual({ i, winners: 1 });
      const winner = winners[0] as number;
      answers.forEach((answer, j) => {
        if (j === winner) return;
        if (variants[j] === variants[winner]) {
          // The same request: the stored original, to the byte (it carries the winner's request_uuid).
          expect({ i, j, replay: texts[j] }).toEqual({ i, j, replay: texts[winner] });
        } else {
          expect({ i, j, status: answer.status, echoed: answer.request_uuid }).toEqual({
            i,
            j,
            status: 'RS_ERROR_DUPLICATE_TRANSACTION',
            echoed: copies[j]?.body.request_uuid,
          });
        }
      });
      applied.push({ request: copies[winner] as WalletRequest, text: texts[winner] as string, answer: answers[winner] as Answer });
    });

    // Each user's bets were applied one after another: ordered by the balance they left, the
    // model answers each exactly as the service did.
    const model = new ReferenceWallet();
    model.createUsers(users);
    const ordered = [...applied].sort((x, y) => (y.answer.balance ?? 0) - (x.answer.balance ?? 0));
    for (const { request, text } of ordered) expect(JSON.stringify(model.call(request.operation, request.body))).toBe(text);
    for (const user of users) expect({ user, balance: await balanceOver(via[0] as HttpClient, user) }).toEqual({ user, balance: model.balances.get(user) });

    const rows = await ledger(db.url);
    expect(rows.transactions).toBe(work.length);
    expect(rows.unbalanced).toEqual([]);
    expect(rows.balances).toBe(rows.opening + rows.moved);
  });
});

describe('a transaction id is claimed once across processes, even by requests of different users', () => {
  it('answers one of two bets sharing an id, sent at once for two users through two processes, RS_OK and the other RS_ERROR_DUPLICATE_TRANSACTION', async () => {
    const db = await database();
    const [a, b] = await Promise.all([startService(db.url), startService(db.url)]);
    const viaA = client(a.url, 1);
    const viaB = client(b.url, 1);
    await adminCreateUsers(viaA, ['pat', 'quinn']);
    // One pair at a time, so that each process's transaction locks only its own user's row and
    // nothing but the id itself orders the two.
    const pairs = 60;
    let patWon = 0;
    for (let k = 0; k < pairs; k += 1) {
      const bet = (user: string, request: number): WalletRequest['body'] => ({ user, transaction_uuid: uuid(0x500000000 + k), request_uuid: uuid(request), currency: 'USD', amount: 10 });
      const [pat, quinn] = (await Promise.all([viaA.wallet('/transaction/bet', bet('pat', 0x510000000 + k)), viaB.wallet('/transaction/bet', bet('quinn', 0x520000000 + k))])).map(parse);
      const statuses = [pat?.status, quinn?.status].sort();
      expect({ k, statuses }).toEqual({ k, statuses: ['RS_ERROR_DUPLICATE_TRANSACTION', 'RS_OK'] });
      if (pat?.status === 'RS_OK') patWon += 1;
    }
    expect(await balanceOver(viaA, 'pat')).toBe(100_000 - 10 * patWon);
    expect(await balanceOver(viaB, 'quinn')).toBe(100_000 - 10 * (pairs - patWon));
    const rows = await ledger(db.url);
    expect(rows.transactions).toBe(pairs);
    expect(rows.unbalanced).toEqual([]);
  });
});

describe("one user's bets through two processes are ordered by the database: the balance never goes below zero", () => {
  it('accepts exactly 1,000 of 2,000 bets of 1 on a balance of 1,000 and refuses the rest', async () => {
    const db = await database();
    const [a, b] = await Promise.all([startService(db.url), startService(db.url)]);
    const viaA = client(a.url, 64);
    const viaB = client(b.url, 64);
    expect(await adminCreateUsers(viaA, [{ user: 'hot', balance: 1_000 }])).toEqual({ created: 1, users: 1 });

    const bet = (i: number): WalletRequest['body'] => ({ user: 'hot', transaction_uuid: uuid(0x300000000 + i), request_uuid: uuid(0x310000000 + i), currency: 'USD', amount: 1 });
    const texts = await Promise.all(Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? viaA : viaB).wallet('/transaction/bet', bet(i))));
    const answers = texts.map(parse);

    const accepted = answers.filter((answer) => answer.status === 'RS_OK');
    const refused = answers.filter((answer) => answer.status === 'RS_ERROR_NOT_ENOUGH_MONEY');
    expect({ accepted: accepted.length, refused: refused.length }).toEqual({ accepted: 1_000, refused: 1_000 });
    // Serial: each accepted bet left a different balance, 999 down to 0; a refusal saw 0.
    expect(accepted.map((answer) => answer.balance).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(new Set(refused.map((answer) => answer.balance))).toEqual(new Set([0]));
    expect(await balanceOver(viaB, 'hot')).toBe(0);

    const [row] = await withSql(db.url, (sql) => sql<Array<{ bets: string; balance: string }>>`
      SELECT count(t.*) AS bets, min(w.balance) AS balance
      FROM exwallet.wallets w LEFT JOIN exwallet.transactions t ON t.wallet_id = w.id AND t.kind = 1
      WHERE w.name = 'hot'`);
    expect({ bets: Number(row?.bets), balance: Number(row?.balance) }).toEqual({ bets: 1_000, balance: 0 });
  });
});

describe('no response acknowledged before a process is SIGKILLed is lost, and each transaction is applied once', () => {
  it('replays every acknowledged response byte for byte through another process and keeps money conserved', async () => {
    const db = await database();
    const users = Array.from({ length: 24 }, (_, i) => `player-${i}`);
    const chains = roundChains(SEED, users, 12);
    const total = chains.reduce((sum, chain) => sum + chain.length, 0);
    const ids = new Set(chains.flat().map(({ body }) => body.transaction_uuid as string));

    const a = await startService(db.url);
    const viaA = client(a.url, users.length);
    await adminCreateUsers(viaA, users);

    // Each user's chain goes in order, one request in flight per user; the process is killed
    // from the handler of the response that makes 40% of the workload acknowledged.
    const killAfter = Math.floor(total * 0.4);
    const acknowledged: string[][] = chains.map(() => []);
    let count = 0;
    let killed = false;
    await Promise.all(
      chains.map(async (chain, u) => {
        for (const { path, body } of chain) {
          if (killed) return;
          let text: string;
          try {
            text = await viaA.wallet(path, body);
          } catch {
            return; // the connection died with the process: not acknowledged
          }
          acknowledged[u]?.push(text);
          count += 1;
          if (count === killAfter) {
            killed = true;
            a.service.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect((await a.service.exited).signal).toBe('SIGKILL');
    expect(count).toBeGreaterThanOrEqual(killAfter);
    // The killed process's database sessions end (committed or rolled back) before anything is read.
    await waitFor('the killed process to hold no database session', () =>
      withSql(db.url, async (sql) => {
        const [row] = await sql<Array<{ sessions: string }>>`
          SELECT count(*) AS sessions FROM pg_stat_activity WHERE application_name = 'exwallet' AND datname = current_database()`;
        return Number(row?.sessions) === 0;
      }),
    );
    const before = await ledger(db.url);

    // Every request of every chain again, in order, through a new process, with a new request_uuid:
    // a replay carries the original's, a fresh application the new one.
    const b = await startService(db.url);
    const viaB = client(b.url, users.length);
    const resend = chains.map((chain, u) =>
      chain.map(({ operation, path, body }, k) => ({ operation, path, body: { ...body, request_uuid: uuid(0x400000000 + u * 1_000 + k) } })),
    );
    const resent = await inParallel(users.length, users.length, async (u) => {
      const texts: string[] = [];
      for (const { path, body } of resend[u] ?? []) texts.push(await viaB.wallet(path, body));
      return texts;
    });

    const model = new ReferenceWallet();
    model.createUsers(users);
    const appliedBeforeKill = new Set<string>();
    let appliedUnacknowledged = 0;
    chains.forEach((chain, u) => {
      const acked = acknowledged[u] ?? [];
      const again = resent[u] ?? [];
      // Acknowledged: replayed to the byte.
      acked.forEach((text, k) => expect({ user: u, k, text: again[k] }).toEqual({ user: u, k, text }));
      // The request in flight at the kill was applied iff its resend is a replay of it.
      const inFlight = chain[acked.length];
      const inFlightApplied = inFlight !== undefined && parse(again[acked.length] as string).request_uuid === inFlight.body.request_uuid;
      if (inFlightApplied) appliedUnacknowledged += 1;
      const prefix = acked.length + (inFlightApplied ? 1 : 0);
      chain.slice(0, prefix).forEach(({ operation, body }, k) => {
        const expected = JSON.stringify(model.call(operation, body));
        if (k < acked.length) expect({ user: u, k, text: acked[k] }).toEqual({ user: u, k, text: expected });
        appliedBeforeKill.add(body.transaction_uuid as string);
      });
      (resend[u] ?? []).forEach(({ operation, body }, k) => expect({ user: u, k, text: again[k] }).toEqual({ user: u, k, text: JSON.stringify(model.call(operation, body)) }));
    });
    expect(before.transactions).toBe(appliedBeforeKill.size);
    expect(appliedUnacknowledged).toBeLessThanOrEqual(users.length);

    const after = await ledger(db.url);
    expect(after.transactions).toBe(ids.size);
    expect(after.transactions).toBe(model.transactions.size);
    expect(after.reservations).toBe(model.reservations.size);
    expect(after.unbalanced).toEqual([]);
    expect(after.balances).toBe(after.opening + after.moved);
    expect(after.moved).toBe(model.moved());
    expect(Object.fromEntries(after.byUser)).toEqual(Object.fromEntries(model.balances));
  });
});

describe('healthz reports the PostgreSQL store and follows the database', () => {
  it('answers 200 with store "postgres", 503 without the reason (the database address stays in the log) while the database is down, and 200 once it is back', async () => {
    const server = await startPostgres();
    servers.push(server);
    const service = await startService(server.url);
    const http = client(service.url, 1);

    const up = await http.get('/healthz');
    expect(up.status).toBe(200);
    expect(JSON.parse(up.text)).toEqual({ status: 'ok', store: 'postgres' });

    await server.shutdown();
    const down = await http.get('/healthz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toEqual({ status: 'unavailable', store: 'postgres' });
    expect((await http.get('/readyz')).text).toBe('{"status":"unavailable","store":"postgres"}');
    expect((await http.get('/livez')).status).toBe(200);

    await server.start();
    let last = down;
    await waitFor('healthz to answer 200 again', async () => (last = await http.get('/healthz')).status === 200);
    expect(JSON.parse(last.text)).toMatchObject({ status: 'ok', store: 'postgres' });
  });
});
