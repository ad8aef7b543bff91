/**
 * The process the crash test kills: serves one cycle of the workload on a journaled engine,
 * 16 requests in flight, and prints `{"index", "response"}` for each response as it is released.
 * Usage: worker.ts DIRECTORY SEED CYCLE
 */
import { start } from '../../../lib/index.js';
import { CRASH_USERS, crashWorkload } from './workload.js';

const [directory = '', seed = '0', cycle = '0'] = process.argv.slice(2);
const wallet = start({ journal: directory, snapshotEvery: 700 });
await wallet.createUsers(CRASH_USERS);
const requests = crashWorkload(Number(seed), Number(cycle));
for (let start = 0; start < requests.length; start += 16) {
  await Promise.all(
    requests.slice(start, start + 16).map(async ({ operation, body }, offset) => {
      const response = await wallet.handle(operation, body);
      process.stdout.write(`${JSON.stringify({ index: start + offset, response })}\n`);
    }),
  );
}
await wallet.stop();
process.stdout.write('done\n');
