// A CommonJS consumer of the packed package: require() loads the ESM build (Node >= 20.19),
// which works only while no module the entry points reach uses top-level await.
const assert = require('node:assert/strict');
const { start, createUsers, bet, stop } = require('exwallet');
const { buildServer } = require('exwallet/http');

async function main() {
  const wallet = start();
  await createUsers(wallet, ['alice']);
  const id = '00000000-0000-4000-8000-000000000001';
  const placed = await bet(wallet, { user: 'alice', transaction_uuid: id, request_uuid: id, currency: 'USD', amount: 10 });
  assert.deepEqual(placed, { user: 'alice', status: 'RS_OK', request_uuid: id, currency: 'USD', balance: 99990 });

  const server = buildServer({ wallet, verifySignatures: false, logLevel: 'silent' });
  const second = '00000000-0000-4000-8000-000000000002';
  const reply = await server.inject({
    method: 'POST',
    url: '/transaction/bet',
    payload: { user: 'alice', transaction_uuid: second, request_uuid: second, currency: 'USD', amount: 90 },
  });
  assert.equal(reply.statusCode, 200);
  assert.deepEqual(reply.json(), { user: 'alice', status: 'RS_OK', request_uuid: second, currency: 'USD', balance: 99900 });
  await server.close();
  await stop(wallet);
  console.log(`require from CommonJS on Node ${process.version}: ok`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
