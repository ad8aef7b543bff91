import { describe, expect, it } from '@jest/globals';
import { Status, type WalletResponse } from '../../lib/index.js';
import { onStore, start } from '../support/stores.js';
import { RUN_FACTOR, SEED } from '../support/model/arbitraries.js';
import { ReferenceWallet } from '../support/model/reference-wallet.js';
import { randomWorkload, type WorkloadRequest } from '../support/model/workload.js';

const HOT_USERS = ['hot-1', 'hot-2', 'hot-3'];

describe(onStore('thousands of requests in flight over a few hot users'), () => {
  const workloads = Array.from({ length: 3 * RUN_FACTOR }, (_, i) => i + 1);
  it.each(workloads)('agree with the model, conserve money and apply each transaction once (workload %i)', async (n) => {
    const requests = randomWorkload(SEED + n, HOT_USERS, 6000);
    const w = start();
    const model = new ReferenceWallet();
    await w.createUsers(HOT_USERS);
    model.createUsers(HOT_USERS);

    const send = ({ operation, body }: WorkloadRequest): Promise<WalletResponse> => w.handle(operation, body);
    const responses = await Promise.all(requests.map(send));

    requests.forEach(({ operation, body }, i) => {
      expect(JSON.stringify(responses[i])).toBe(JSON.stringify(model.call(operation, body)));
    });
    // Each id answered RS_OK once at most, and every retry of it got that very answer.
    const okById = new Map<string, string>();
    requests.forEach(({ body }, i) => {
      const response = responses[i] as WalletResponse;
      if (response.status !== Status.OK) return;
      const id = (body.transaction_uuid as string).toLowerCase(); // ids compare case-insensitively
      const seen = okById.get(id);
      if (seen === undefined) okById.set(id, JSON.stringify(response));
      else expect(JSON.stringify(response)).toBe(seen);
    });
    expect((await w.stats()).transactions).toBe(okById.size);

    let total = 0n;
    for (const user of HOT_USERS) {
      const response = await w.balance({ user, request_uuid: '' });
      const balance = 'balance' in response ? response.balance : Number.NaN;
      expect(balance).toBeGreaterThanOrEqual(0);
      total += BigInt(balance);
    }
    expect(total).toBe(BigInt(HOT_USERS.length * 100_000) + model.moved());
  });
});
