/**
 * Memory per stored transaction and per idle user: heap plus the ArrayBuffers outside it (the
 * registry keeps its rows in typed arrays). Run in its own process with
 * `--expose-gc`, so the figures see only what the engine keeps: bodies are built on the fly, as
 * a server parses them, and dropped after each call.
 */
import { start } from '../lib/index.js';
import { id, userNames } from './workloads.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function heap(): number {
  for (let i = 0; i < 3; i += 1) gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** With `rounds`, every bet and its win carry the same 36-character `round` (SPEC 13 keeps it). */
async function bytesPerTransaction(count: number, rounds = false): Promise<number> {
  const users = userNames(10_000);
  const w = start({ initialBalance: 1e12 });
  await w.createUsers(users);
  const before = heap();
  // Half bets, half wins that settle them.
  for (let i = 0; i < count / 2; i += 1) {
    const user = users[i % users.length] as string;
    const bet = id(1, i);
    const round = rounds ? { round: id(5, i) } : {};
    await w.bet({ user, transaction_uuid: bet, request_uuid: id(2, i), currency: 'USD', amount: 10, ...round });
    await w.win({ user, transaction_uuid: id(3, i), request_uuid: id(4, i), reference_transaction_uuid: bet, currency: 'USD', amount: 5, ...round });
  }
  const after = heap();
  if (w.transactionCount !== count) throw new Error(`stored ${w.transactionCount} of ${count}`);
  return (after - before) / count;
}

async function bytesPerUser(count: number): Promise<number> {
  const w = start();
  const before = heap();
  await w.createUsers(userNames(count));
  const after = heap();
  if (w.userCount !== count) throw new Error(`created ${w.userCount} of ${count}`);
  return (after - before) / count;
}

const transactions = Number(process.argv[2] ?? 1_000_000);
const users = Number(process.argv[3] ?? 1_000_000);
const result = {
  bytesPerTransaction: await bytesPerTransaction(transactions),
  bytesPerTransactionWithRounds: await bytesPerTransaction(transactions, true),
  bytesPerUser: await bytesPerUser(users),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
