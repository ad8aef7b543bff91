// A plain ESM consumer of the packed package: a bet, its win, a refused rollback, a balance.
import { start, createUsers, bet, win, rollback, balance, stop } from 'exwallet';

const w = start();
await createUsers(w, ['alice']);
const id = '00000000-0000-4000-8000-000000000001';
const placed = await bet(w, { user: 'alice', transaction_uuid: id, request_uuid: id, currency: 'USD', amount: 10 });
const settled = await win(w, { user: 'alice', transaction_uuid: id.replace(/1$/, '2'), request_uuid: id, reference_transaction_uuid: id, currency: 'USD', amount: 0 });
const refused = await rollback(w, { user: 'alice', transaction_uuid: id.replace(/1$/, '3'), request_uuid: id, reference_transaction_uuid: id });
const current = await balance(w, { user: 'alice', request_uuid: id });
await stop(w);
const statuses = [placed.status, settled.status, refused.status, current.status, current.balance].join(' ');
if (statuses !== 'RS_OK RS_OK RS_ERROR_UNKNOWN RS_OK 99990') throw new Error(`unexpected: ${statuses}`);
console.log(`import from ESM on Node ${process.version}: ok`);
