/**
 * `npm run bench:http`: requests per second through the HTTP service against a bare fastify
 * route answering a fixed JSON, both measured in this run with autocannon over loopback.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { id } from './workloads.js';

const RUNS = Math.max(3, Number(process.env.EXWALLET_BENCH_RUNS ?? 3));
const SECONDS = Number(process.env.EXWALLET_HTTP_SECONDS ?? 5);
const CONNECTIONS = 100;
const interactive = process.stderr.isTTY && process.env.CI === undefined;

async function serve(mode: 'wallet' | 'bare'): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('http-server.ts', import.meta.url)), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
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

async function requestsPerSecond(url: string): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests: requests() });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.average;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const wallet = await serve('wallet');
const bare = await serve('bare');
const walletRuns: number[] = [];
const bareRuns: number[] = [];
try {
  for (let run = 1; run <= RUNS; run += 1) {
    if (interactive) process.stderr.write(`\r\x1b[Krun ${run} of ${RUNS} …`);
    walletRuns.push(await requestsPerSecond(wallet.url));
    bareRuns.push(await requestsPerSecond(bare.url));
  }
} finally {
  wallet.stop();
  bare.stop();
}
if (interactive) process.stderr.write('\r\x1b[K');

// What verifying a Hub88 signature adds per request: one RSA-2048 verification.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const body = Buffer.from(JSON.stringify({ user: 'player-1', transaction_uuid: id(1, 1), request_uuid: id(2, 1), currency: 'USD', amount: 10 }));
const signature = sign('sha256', body, privateKey);
const started = performance.now();
const checks = 2_000;
for (let i = 0; i < checks; i += 1) verify('sha256', body, publicKey, signature);
const verifyMicros = ((performance.now() - started) * 1000) / checks;

const service = median(walletRuns);
const route = median(bareRuns);
const format = (n: number, digits = 0): string => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`HTTP benchmark: ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} runs, Node ${process.version}\n`);
console.log('| target | requests/s | ratio |');
console.log('|---|---:|---:|');
console.log(`| bare fastify route, fixed JSON | ${format(route)} | 1.00 |`);
console.log(`| wallet service, bet + win | ${format(service)} | ${format(service / route, 2)} |`);
console.log(`\nRSA-2048 signature verification: ${format(verifyMicros, 1)} µs per request on one core.`);
console.log(`Target: service >= 0.6 x bare route: ${service / route >= 0.6 ? 'met' : 'not met'}.`);
writeFileSync(
  new URL('http-results.json', import.meta.url),
  `${JSON.stringify({ node: process.version, connections: CONNECTIONS, seconds: SECONDS, runs: RUNS, service, route, ratio: service / route, walletRuns, bareRuns, verifyMicros }, null, 2)}\n`,
);
