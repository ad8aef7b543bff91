/**
 * Signs and sends a bet and the win that settles it to a running Exwallet service, as Hub88
 * would. Start the service first (`npm start`), then: `npm run example:http`.
 *
 *   --url URL     where the service listens (default http://127.0.0.1:8080)
 *   --key FILE    the private key to sign requests with, PEM; without it requests go unsigned,
 *                 which only a service started without a public key (npm start, --dev
 *                 or --no-verify) accepts
 *   --user NAME   the player (default demo-1)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signBody } from '../lib/http/index.js';

const { values } = parseArgs({
  options: { url: { type: 'string' }, key: { type: 'string' }, user: { type: 'string' } },
});
const url = values.url ?? 'http://127.0.0.1:8080';
const user = values.user ?? 'demo-1';
const key = values.key === undefined ? undefined : readFileSync(values.key);

async function post(path: string, body: Record<string, unknown>): Promise<void> {
  const payload = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['x-hub88-signature'] = signBody(payload, key);
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: payload });
  const signed = response.headers.has('x-hub88-signature') ? ' (signed response)' : '';
  console.log(`POST ${path} -> HTTP ${response.status}${signed}\n  ${await response.text()}`);
}

const bet = { user, transaction_uuid: randomUUID(), request_uuid: randomUUID(), currency: 'USD', amount: 2_500, round: randomUUID(), game_code: 'demo_slot' };
await post('/transaction/bet', bet);
await post('/transaction/win', {
  ...bet,
  transaction_uuid: randomUUID(),
  request_uuid: randomUUID(),
  reference_transaction_uuid: bet.transaction_uuid,
  amount: 6_000,
  round_closed: true,
});
await post('/user/balance', { user, request_uuid: randomUUID() });
