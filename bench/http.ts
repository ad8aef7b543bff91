/**
 * `npm run bench:http`: requests per second and latency through the HTTP service, unsigned and
 * with every request's Hub88 signature checked, against a bare fastify route answering a fixed
 * JSON, all measured in this run with autocannon over loopback.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { id } from './workloads.js';

const RUNS = Math.max(3, Number(process.env.EXWALLET_BENCH_RUNS ?? 3));
const SECONDS = Number(process.env.EXWALLET_HTTP_SECONDS ?? 5);
const CONNECTIONS = 100;
const interactive = process.stderr.isTTY && process.env.CI === undefined;

async function serve(mode: 'wallet' | 'bare' | 'signed', publicKey?: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('http-server.ts', import.meta.url)), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: publicKey === undefined ? process.env : { ...process.env, HUB88_PUBLIC_KEY: publicKey },
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${String(code)}`)));
  });
  return { url, stop: () => child.kill('SIGKILL') };
}

/** Each connection alternates a fresh bet and the win that settles it. */
let next = 0;
function requests(): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: '/transaction/bet',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request, context) => {
        const n = next++;
        const bet = id(1, n);
        (context as { bet?: string; user?: string }).bet = bet;
        const user = `player-${n % 10_000}`;
        (context as { user?: string }).user = user;
        return { ...request, body: JSON.stringify({ user, transaction_uuid: bet, request_uuid: id(2, n), currency: 'USD', amount: 10, round: `round-${n}`, game_code: 'clt_dragonrising' }) };
      },
    },
    {
      method: 'POST',
      path: '/transaction/win',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request, context) => {
        const n = next++;
        const { bet, user } = context as { bet: string; user: string };
        return { ...request, body: JSON.stringify({ user, transaction_uuid: id(3, n), request_uuid: id(4, n), reference_transaction_uuid: bet, currency: 'USD', amount: 20, round: `round-${n}`, game_code: 'clt_dragonrising' }) };
      },
    },
  ];
}

/** Bet and win bodies, each signed: signing costs the client a millisecond, so it is done before the runs. */
function signedPairs(pairs: number, privateKey: KeyObject, epoch: number): Array<{ body: string; signature: string; path: string }> {
  const signed: Array<{ body: string; signature: string; path: string }> = [];
  for (let n = 0; n < pairs; n += 1) {
    const user = `player-${n % 10_000}`;
    const bet = id(epoch * 4 + 5, n);
    const bodies = [
      { path: '/transaction/bet', body: JSON.stringify({ user, transaction_uuid: bet, request_uuid: id(epoch * 4 + 6, n), currency: 'USD', amount: 10, round: `round-${n}`, game_code: 'clt_dragonrising' }) },
      { path: '/transaction/win', body: JSON.stringify({ user, transaction_uuid: id(epoch * 4 + 7, n), request_uuid: id(epoch * 4 + 8, n), reference_transaction_uuid: bet, currency: 'USD', amount: 20, round: `round-${n}`, game_code: 'clt_dragonrising' }) },
    ];
    for (const { path, body } of bodies) signed.push({ path, body, signature: sign('sha256', Buffer.from(body), privateKey).toString('base64') });
  }
  return signed;
}

/** Each connection sends the next pre-signed request; past the end of the list they are sent again (replays). */
function signedRequests(signed: ReadonlyArray<{ body: string; signature: string; path: string }>): autocannon.Request[] {
  let at = 0;
  return [
    {
      method: 'POST',
      setupRequest: (request) => {
        const { body, signature, path } = signed[at++ % signed.length] as { body: string; signature: string; path: string };
        return { ...request, path, body, headers: { 'content-type': 'application/json', 'x-hub88-signature': signature } };
      },
    },
  ];
}

interface Measure {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

async function measure(url: string, list: autocannon.Request[] = requests()): Promise<Measure> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests: list });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const medianOf = (runs: readonly Measure[]): Measure => ({
  requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
});

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
if (interactive) process.stderr.write('signing requests …');
const signed = signedPairs(Number(process.env.EXWALLET_HTTP_SIGNED_PAIRS ?? 10_000), privateKey, 0);
/** Requests of their own that warm a fresh signed service up (its code compiled) before it is measured. */
const warmUp = signedPairs(1_000, privateKey, 1);
const wallet = await serve('wallet');
const bare = await serve('bare');
const walletRuns: Measure[] = [];
const bareRuns: Measure[] = [];
const signedRuns: Measure[] = [];
try {
  for (let run = 1; run <= RUNS; run += 1) {
    if (interactive) process.stderr.write(`\r\x1b[Krun ${run} of ${RUNS} …`);
    walletRuns.push(await measure(wallet.url));
    bareRuns.push(await measure(bare.url));
    // A fresh signed service per run, so that each run's pre-signed requests are new to it.
    const signedService = await serve('signed', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    try {
      await autocannon({ url: signedService.url, connections: CONNECTIONS, duration: 2, requests: signedRequests(warmUp) });
      signedRuns.push(await measure(signedService.url, signedRequests(signed)));
    } finally {
      signedService.stop();
    }
  }
} finally {
  wallet.stop();
  bare.stop();
}
if (interactive) process.stderr.write('\r\x1b[K');

// What verifying a Hub88 signature costs per request: one RSA-2048 verification.
const body = Buffer.from(JSON.stringify({ user: 'player-1', transaction_uuid: id(1, 1), request_uuid: id(2, 1), currency: 'USD', amount: 10 }));
const signature = sign('sha256', body, privateKey);
const started = performance.now();
const checks = 2_000;
for (let i = 0; i < checks; i += 1) verify('sha256', body, publicKey, signature);
const verifyMicros = ((performance.now() - started) * 1000) / checks;

const service = medianOf(walletRuns);
const route = medianOf(bareRuns);
const verified = medianOf(signedRuns);
const format = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`HTTP benchmark: ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} runs, Node ${process.version}, ${cpus().length} cores\n`);
console.log('| target | requests/s | ratio | p50 ms | p99 ms |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, m] of [['bare fastify route, fixed JSON', route], ['wallet service, bet + win, signatures off', service], ['wallet service, bet + win, signatures checked', verified]] as const) {
  console.log(`| ${name} | ${format(m.requestsPerSecond)} | ${format(m.requestsPerSecond / route.requestsPerSecond, 2)} | ${format(m.p50, 1)} | ${format(m.p99, 1)} |`);
}
console.log(`\nRSA-2048 signature verification: ${format(verifyMicros, 1)} µs per request on one core (on the thread pool in the service).`);
console.log(`Target: unsigned service >= 0.6 x bare route: ${service.requestsPerSecond / route.requestsPerSecond >= 0.6 ? 'met' : 'not met'}.`);
console.log(`Target: signed service >= 0.7 x bare route: ${verified.requestsPerSecond / route.requestsPerSecond >= 0.7 ? 'met' : 'not met'}.`);
writeFileSync(
  new URL('http-results.json', import.meta.url),
  `${JSON.stringify({ node: process.version, cpus: cpus().length, connections: CONNECTIONS, seconds: SECONDS, runs: RUNS, route, service, signed: verified, ratio: service.requestsPerSecond / route.requestsPerSecond, signedRatio: verified.requestsPerSecond / route.requestsPerSecond, walletRuns, bareRuns, signedRuns, verifyMicros }, null, 2)}\n`,
);
