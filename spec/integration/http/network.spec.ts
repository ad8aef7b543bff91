import { afterAll, describe, expect, it } from '@jest/globals';
import { buildServer, signBody } from '../../../lib/http/index.js';
import { start, Status } from '../../../lib/index.js';
import { betBody, Ids, winBody } from '../../support/helpers.js';
import { HUB88_PRIVATE, HUB88_PUBLIC, LogLines } from '../../support/http.js';

const wallet = start();
const app = buildServer({ wallet, hub88PublicKey: HUB88_PUBLIC, logDestination: new LogLines() });
afterAll(() => app.close());

describe('the service over a real loopback socket', () => {
  it('answers signed bets and wins sent with fetch', async () => {
    await wallet.createUsers(['alice']);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const post = async (path: string, body: unknown): Promise<unknown> => {
      const payload = JSON.stringify(body);
      const response = await fetch(`${address}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub88-signature': signBody(payload, HUB88_PRIVATE) },
        body: payload,
      });
      expect(response.status).toBe(200);
      return response.json();
    };
    const ids = new Ids();
    const bet = betBody(ids, { amount: 400 });
    expect(await post('/transaction/bet', bet)).toMatchObject({ status: Status.OK, balance: 99_600 });
    expect(await post('/transaction/win', winBody(ids, bet.transaction_uuid as string, { amount: 1000 }))).toMatchObject({
      status: Status.OK,
      balance: 100_600,
    });
    const unsigned = await fetch(`${address}/transaction/bet`, { method: 'POST', body: JSON.stringify(betBody(ids)) });
    expect(await unsigned.json()).toMatchObject({ status: Status.INVALID_SIGNATURE });
  });
});
