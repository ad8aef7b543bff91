/**
 * A server for the HTTP benchmark, in its own process: `wallet` serves the engine with 10,000
 * users (demo-1 ... demo-10000, as `exwallet --demo-users 10000` names them; `signed`: and checks
 * Hub88 signatures), `bare` is a fastify route that answers a fixed JSON. Prints its address, then
 * serves until killed; SIGTERM ends it cleanly (so that `--cpu-prof` writes its profile). None
 * logs requests: the service as an operator runs it (logging, metrics, a store) is `lib/bin.ts`,
 * which bench/http.ts starts itself.
 */
import Fastify from 'fastify';
import { buildServer } from '../lib/http/index.js';
import { start } from '../lib/index.js';

const mode = process.argv[2];
let app;
if (mode === 'bare') {
  app = Fastify();
  const fixed = { user: 'demo-1', status: 'RS_OK', request_uuid: '00000000-0000-4000-8000-000000000000', currency: 'USD', balance: 100000 };
  for (const path of ['/transaction/bet', '/transaction/win']) app.post(path, async () => fixed);
} else {
  const wallet = start({ initialBalance: 1e9 });
  await wallet.createUsers(Array.from({ length: 10_000 }, (_, i) => `demo-${i + 1}`));
  // `signed` checks every request's signature against the public key (PEM) in HUB88_PUBLIC_KEY.
  const hub88PublicKey = mode === 'signed' ? process.env.HUB88_PUBLIC_KEY : undefined;
  app = buildServer(hub88PublicKey === undefined ? { wallet, verifySignatures: false, logLevel: 'silent' } : { wallet, hub88PublicKey, logLevel: 'silent' });
}
process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${await app.listen({ host: '127.0.0.1', port: 0 })}\n`);
