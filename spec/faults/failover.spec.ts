import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { SEED } from '../support/model/arbitraries.js';
import { ReferenceWallet } from '../support/model/reference-wallet.js';
import { randomWorkload, type WorkloadRequest } from '../support/model/workload.js';
import { Load } from './failover/load.js';
import { healthBecomes, healthStatus, killAllServices, startService, withOutput, type WalletProcess } from './failover/service.js';
import { modelLedger, readLedger, replayDifferences } from './failover/verify.js';
import { uuid } from '../../test-support/random.js';
import { startPostgres, startReplicatedPair, STANDBY_NAME, type PgServer, type ReplicatedPair } from '../../test-support/postgres.js';

/** Cycles of each scenario: one in `npm test`, more in `npm run test:failover`. */
const CYCLES = Number(process.env.EXWALLET_FAILOVER_CYCLES ?? 1);
/** Short, so that an outage shows in a few seconds; the service's default is 5 s. */
const COMMIT_TIMEOUT = 1_500;
/** An HTTP exchange slower than this counts as a hang. */
const REQUEST_TIMEOUT = COMMIT_TIMEOUT + 8_000;
const USER_COUNT = 12;
const USERS = Array.from({ length: USER_COUNT }, (_, i) => `demo-${i + 1}`);
/** Requests per cycle; the fault strikes once a quarter of them are acknowledged. */
const REQUESTS = 360;
const FAULT_AFTER = REQUESTS / 4;

/** The requests of one cycle of one scenario: bets, wins, rollbacks and retries, seeded. */
function workload(scenario: number, cycle: number): WorkloadRequest[] {
  return randomWorkload(SEED * 1_000 + scenario * 100 + cycle, USERS, REQUESTS, (scenario * 100 + cycle) * 1_000_000);
}

function openingModel(): ReferenceWallet {
  const model = new ReferenceWallet(100_000, 'USD');
  model.createUsers(USERS);
  return model;
}

async function syncStates(primaryUrl: string): Promise<string[]> {
  const sql = postgres(primaryUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<Array<{ sync_state: string }>>`select sync_state from pg_stat_replication where application_name = ${STANDBY_NAME}`;
    return rows.map((row) => row.sync_state);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Every request got its definite answer, the model's, and none hung or was given up. */
function expectDefiniteAnswers(load: Load): void {
  expect(load.mismatches).toEqual([]);
  expect(load.abandoned).toEqual([]);
  expect(load.lost.filter((lost) => lost.reason.includes('aborted due to timeout'))).toEqual([]);
}

/** Every acknowledged response replays byte for byte through `replayUrl`; the ledger at `databaseUrl` is the model's. */
async function expectNothingLost(load: Load, model: ReferenceWallet, replayUrl: string, databaseUrl: string): Promise<void> {
  const acknowledged = load.acknowledged();
  expect(acknowledged.length).toBeGreaterThan(FAULT_AFTER);
  expect(await replayDifferences(replayUrl, acknowledged)).toEqual([]);
  const ledger = await readLedger(databaseUrl);
  // Money conserved: every balance is its opening balance plus what its transactions moved.
  expect(ledger.unbalanced).toEqual([]);
  expect(ledger.balances).toBe(ledger.opening + ledger.moved);
  // Each transaction applied once: the same ids, balances and money moved as the model.
  expect(ledger).toEqual(modelLedger(model));
}

const ms = (value: number): string => `${Math.round(value)} ms`;

afterAll(killAllServices);

describe('an acknowledged transaction survives the loss of the primary, and the service finds the promoted standby by itself', () => {
  const times: Array<{ promoted: number; firstAck: number }> = [];
  afterAll(() => {
    if (times.length === 0) return;
    const sorted = times.map((t) => t.firstAck).sort((a, b) => a - b);
    console.log(
      `failover over ${times.length} cycle(s), kill -9 of the primary to the first RS_OK from the promoted standby: ` +
        `min ${ms(sorted[0] ?? 0)}, median ${ms(sorted[Math.floor(sorted.length / 2)] ?? 0)}, max ${ms(sorted.at(-1) ?? 0)} ` +
        `(of which promotion: ${times.map((t) => ms(t.promoted)).join(', ')})`,
    );
  });

  it('reaches the primary whichever order the hosts are listed in, and answers 503 on /healthz while none is writable', async () => {
    const pair = await startReplicatedPair();
    let service: WalletProcess | undefined;
    try {
      const { primary, standby } = pair;
      const standbyFirst = `postgres://postgres@${standby.host}:${standby.port},${primary.host}:${primary.port}/postgres?target_session_attrs=read-write`;
      service = await startService(standbyFirst, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
      expect(await healthStatus(service.url)).toBe(200);
      const model = openingModel();
      const load = new Load(workload(0, 0).slice(0, 24), model, [service.url], REQUEST_TIMEOUT);
      await load.done;
      expectDefiniteAnswers(load);
      expect(load.acknowledged().length).toBeGreaterThan(0);
      primary.kill9();
      await primary.exited();
      await healthBecomes(service.url, 503);
    } catch (error) {
      throw withOutput(error, service === undefined ? [] : [service]);
    } finally {
      await service?.kill9();
      await pair.stop();
    }
  });

  it(`keeps every acknowledged response, once, through ${CYCLES} kill -9 of the primary under load`, async () => {
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      const pair: ReplicatedPair = await startReplicatedPair();
      const services: WalletProcess[] = [];
      try {
        expect(await syncStates(pair.primary.url)).toEqual(['sync']);
        const service = await startService(pair.urlBoth, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
        services.push(service);
        const model = openingModel();
        const load = new Load(workload(1, cycle), model, [service.url], REQUEST_TIMEOUT);

        await load.until(`${FAULT_AFTER} acknowledgements`, () => load.acknowledged().length >= FAULT_AFTER);
        const killedAt = performance.now();
        pair.primary.kill9();
        await pair.primary.exited();
        const goneAt = performance.now();
        // No writable server: the service says so.
        await healthBecomes(service.url, 503);
        await pair.promoteStandby();
        const promotedAt = performance.now();
        const fromNewPrimary = (): boolean => load.acknowledged().some((answer) => answer.sentAt >= goneAt);
        await load.until('an acknowledgement from the promoted standby', fromNewPrimary);
        const firstAck = Math.min(...load.acknowledged().filter((answer) => answer.sentAt >= goneAt).map((answer) => answer.receivedAt));
        await load.done;
        times.push({ promoted: promotedAt - killedAt, firstAck: firstAck - killedAt });
        console.log(`failover cycle ${cycle}: promoted ${ms(promotedAt - killedAt)} after kill -9, first RS_OK from it ${ms(firstAck - killedAt)} after`);

        expectDefiniteAnswers(load);
        expect(await healthStatus(service.url)).toBe(200);
        await service.stop();
        // The promoted server alone, through a service process that never saw the old primary.
        const survivor = await startService(pair.standby.url, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
        services.push(survivor);
        await expectNothingLost(load, model, survivor.url, pair.standby.url);
      } catch (error) {
        throw withOutput(error, services);
      } finally {
        await Promise.all(services.map((service) => service.kill9()));
        await pair.stop();
      }
    }
  });
});

describe('a service process killed under load loses no acknowledged response: its requests are resent through another', () => {
  let pair: ReplicatedPair;
  let other: WalletProcess;
  beforeAll(async () => {
    pair = await startReplicatedPair();
    other = await startService(pair.urlBoth, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
  });
  afterAll(async () => {
    await other?.kill9();
    await pair?.stop();
  });

  it(`replays every acknowledged response through ${CYCLES} kill -9 of a service process`, async () => {
    const model = openingModel();
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      const victim = await startService(pair.urlBoth, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
      try {
        const load = new Load(workload(2, cycle), model, [victim.url, other.url], REQUEST_TIMEOUT);
        await load.until(`${FAULT_AFTER} acknowledgements`, () => load.acknowledged().length >= FAULT_AFTER);
        const killedAt = performance.now();
        await victim.kill9();
        await load.done;

        expectDefiniteAnswers(load);
        // Under load: requests were in flight to the killed process, and were answered by the other.
        expect(load.lost.filter((lost) => lost.via === 0 && lost.sentAt < killedAt).length).toBeGreaterThan(0);
        expect(load.answers.some((answer) => answer.via === 1)).toBe(true);
        await expectNothingLost(load, model, other.url, pair.primary.url);
      } catch (error) {
        throw withOutput(error, [victim, other]);
      } finally {
        await victim.kill9();
      }
    }
  });
});

describe('with strict synchronous commit nothing is acknowledged while the synchronous standby is down, and service resumes when it returns', () => {
  let pair: ReplicatedPair;
  let service: WalletProcess;
  beforeAll(async () => {
    pair = await startReplicatedPair();
    service = await startService(pair.urlBoth, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
  });
  afterAll(async () => {
    await service?.kill9();
    await pair?.stop();
  });

  it(`answers no RS_OK without the standby, through ${CYCLES} stops of it under load, and loses nothing`, async () => {
    const model = openingModel();
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      expect(await syncStates(pair.primary.url)).toEqual(['sync']);
      const load = new Load(workload(3, cycle), model, [service.url], REQUEST_TIMEOUT);
      await load.until(`${FAULT_AFTER} acknowledgements`, () => load.acknowledged().length >= FAULT_AFTER);
      await pair.stopStandby();
      const stoppedAt = performance.now();
      const sentWithout = (): typeof load.answers => load.answers.filter((answer) => answer.sentAt >= stoppedAt);
      // Several requests sent without the standby have had their answer, after the commit timeout.
      await load.until('three answers to requests sent without the standby', () => sentWithout().length >= 3);
      const returningAt = performance.now();
      const answeredWithout = sentWithout();
      expect(answeredWithout.filter((answer) => answer.status === 'RS_OK')).toEqual([]);
      expect(answeredWithout.every((answer) => answer.status === 'RS_ERROR_UNKNOWN' && answer.receivedAt - answer.sentAt >= COMMIT_TIMEOUT - 50)).toBe(true);
      await pair.startStandby();
      await pair.waitSynchronous();
      await load.done;

      expectDefiniteAnswers(load);
      expect(load.acknowledged().some((answer) => answer.sentAt >= returningAt)).toBe(true);
      await expectNothingLost(load, model, service.url, pair.primary.url);
    }
  });
});

describe('a service process outlives its database connection dying in the middle of a transaction', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers RS_ERROR_UNKNOWN, keeps running, and applies the retry once when the server is back', async () => {
    const service = await startService(server.url, { users: USER_COUNT, commitTimeout: COMMIT_TIMEOUT });
    const holder = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      // Another session holds demo-1's row, so the service's batch waits inside its transaction.
      await holder.unsafe(`BEGIN; SELECT 1 FROM exwallet.wallets WHERE name = 'demo-1' FOR UPDATE`);
      const bet = { user: 'demo-1', transaction_uuid: uuid(0xdead00000001), request_uuid: uuid(0xdead00000002), currency: 'USD', amount: 2_500 };
      const send = async (): Promise<string> => {
        const response = await fetch(`${service.url}/transaction/bet`, { method: 'POST', body: JSON.stringify(bet), headers: { 'content-type': 'application/json' } });
        return response.text();
      };
      const first = send();
      const waiting = (): Promise<boolean> =>
        holder`SELECT 1 FROM pg_stat_activity WHERE application_name = 'exwallet' AND wait_event_type = 'Lock'`.then((rows) => rows.length > 0);
      while (!(await waiting()));
      server.kill9();
      await server.exited();

      expect(JSON.parse(await first)).toEqual({ user: 'demo-1', status: 'RS_ERROR_UNKNOWN', request_uuid: bet.request_uuid });
      expect(service.process.child.exitCode).toBeNull();
      await healthBecomes(service.url, 503);
      await server.start();
      await healthBecomes(service.url, 200);
      const answer = { user: 'demo-1', status: 'RS_OK', request_uuid: bet.request_uuid, currency: 'USD', balance: 97_500 };
      expect(JSON.parse(await send())).toEqual(answer);
      expect(JSON.parse(await send())).toEqual(answer);
    } catch (error) {
      throw withOutput(error, [service]);
    } finally {
      await holder.end({ timeout: 0 }).catch(() => {});
      await service.kill9();
    }
  });
});
