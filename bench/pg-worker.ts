/**
 * One process of the multi-process measurements of `npm run bench:pg`: runs its own Wallet on
 * the shared database, warms up, says `ready`, and on `go` sends its measured load and reports.
 * Started by bench/pg.ts with an IPC channel; its argument is a {@link WorkerPlan} as JSON.
 */
import { start } from '../lib/index.js';
import { measure, runLoad, type ParentMessage, type WorkerMessage, type WorkerPlan } from './pg-load.js';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) throw new Error('bench/pg-worker.ts is started by bench/pg.ts, with an IPC channel');
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

const plan = JSON.parse(process.argv[2] ?? '') as WorkerPlan;
const w = start({ database: { url: plan.url, schema: plan.schema } });
try {
  await runLoad(w, plan.warmUp);
  const go = new Promise<void>((resolve) => {
    process.once('message', (message: ParentMessage) => {
      if (message.type === 'go') resolve();
    });
  });
  await send({ type: 'ready' });
  await go;
  const { result, counters } = await measure(w, plan.measured);
  await send({ type: 'done', result, counters });
} catch (error) {
  await send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
} finally {
  await w.stop();
  process.disconnect();
}
