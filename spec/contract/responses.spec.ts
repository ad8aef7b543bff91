import { describe, expect, it } from '@jest/globals';
import { Status } from '../../lib/index.js';
import { betBody, setup } from '../support/helpers.js';
import { onStore } from '../support/stores.js';

describe(onStore('a response for an existing user is { user, status, request_uuid, currency, balance }'), () => {
  it('has those keys in that order on success', async () => {
    const { w, ids } = await setup();
    const response = await w.bet(betBody(ids));
    expect(Object.keys(response)).toEqual(['user', 'status', 'request_uuid', 'currency', 'balance']);
  });

  it('has those keys in that order on an error', async () => {
    const { w, ids } = await setup();
    const response = await w.handle('bet', betBody(ids, { amount: 'ten' }));
    expect(response.status).toBe(Status.WRONG_TYPES);
    expect(Object.keys(response)).toEqual(['user', 'status', 'request_uuid', 'currency', 'balance']);
  });

  it('carries the balance after the request', async () => {
    const { w, ids } = await setup();
    expect(await w.bet(betBody(ids, { amount: 1234 }))).toMatchObject({ status: Status.OK, balance: 98_766 });
  });

  it('carries the current balance on an error', async () => {
    const { w, ids } = await setup();
    await w.bet(betBody(ids, { amount: 1000 }));
    expect(await w.bet(betBody(ids, { currency: 'EUR' }))).toMatchObject({
      status: Status.WRONG_CURRENCY,
      balance: 99_000,
    });
  });

  it('echoes the request_uuid of the request, even one that is not UUID-shaped', async () => {
    const { w } = await setup();
    expect((await w.balance({ user: 'alice', request_uuid: 'not-a-uuid' })).request_uuid).toBe('not-a-uuid');
  });
});

describe(onStore('a response for an unknown user is { user, status, request_uuid }'), () => {
  it('has only those keys, in that order', async () => {
    const { w, ids } = await setup();
    const body = betBody(ids, { user: 'nobody' });
    expect(await w.bet(body)).toEqual({ user: 'nobody', status: Status.UNKNOWN, request_uuid: body.request_uuid });
    expect(Object.keys(await w.bet(body))).toEqual(['user', 'status', 'request_uuid']);
  });

  it('answers "" for a field that cannot be read', async () => {
    const { w } = await setup();
    expect(await w.handle('bet', { user: 17, request_uuid: { id: 1 } })).toEqual({
      user: '',
      status: Status.UNKNOWN,
      request_uuid: '',
    });
    expect(await w.handle('win', 'text')).toEqual({ user: '', status: Status.WRONG_SYNTAX, request_uuid: '' });
  });
});
