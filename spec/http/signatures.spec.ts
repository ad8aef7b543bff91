import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { Status } from '../../lib/index.js';
import { buildServer, signBody } from '../../lib/http/index.js';
import { betBody, Ids } from '../helpers.js';
import { HUB88_PRIVATE, HUB88_PUBLIC, INTRUDER_PRIVATE, service, signedPost } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function post(headers: Record<string, string>, payload: string) {
  const ready = await service();
  app = ready.app;
  const response = await app.inject({ method: 'POST', url: '/transaction/bet', payload, headers: { 'content-type': 'application/json', ...headers } });
  return { response, wallet: ready.wallet };
}

describe('a request must carry a valid X-Hub88-Signature of its raw body', () => {
  const bet = betBody(new Ids(), { amount: 700 });
  const payload = JSON.stringify(bet);

  it('accepts the signature of Hub88 key over the exact bytes', async () => {
    const { response } = await post({ 'x-hub88-signature': signBody(payload, HUB88_PRIVATE) }, payload);
    expect(response.json()).toMatchObject({ status: Status.OK, balance: 99_300 });
  });

  it.each<[string, Record<string, string>, string]>([
    ['a missing signature', {}, payload],
    ['an empty signature', { 'x-hub88-signature': '' }, payload],
    ['a signature that is not base64', { 'x-hub88-signature': '%%%not-base64%%%' }, payload],
    ['a signature by another key', { 'x-hub88-signature': signBody(payload, INTRUDER_PRIVATE) }, payload],
    ['a signature of other bytes', { 'x-hub88-signature': signBody(payload, HUB88_PRIVATE) }, payload.replace('700', '701')],
    ['a signature of the body re-serialized', { 'x-hub88-signature': signBody(JSON.stringify(bet, null, 1), HUB88_PRIVATE) }, payload],
  ])('refuses %s with RS_ERROR_INVALID_SIGNATURE and changes nothing', async (_, headers, sent) => {
    const { response, wallet } = await post(headers, sent);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: 'alice', status: Status.INVALID_SIGNATURE, request_uuid: bet.request_uuid });
    expect(wallet.transactionCount).toBe(0);
  });

  it('never shows a balance to an unverified caller', async () => {
    const ready = await service();
    app = ready.app;
    const response = await signedPost(app, '/user/balance', { user: 'alice', request_uuid: 'r' }, INTRUDER_PRIVATE);
    expect(response.json()).toEqual({ user: 'alice', status: Status.INVALID_SIGNATURE, request_uuid: 'r' });
  });

  it('checks the signature before the JSON', async () => {
    const { response } = await post({}, '{broken');
    expect(response.json()).toEqual({ user: '', status: Status.INVALID_SIGNATURE, request_uuid: '' });
  });
});

describe('a signature covers the bytes Hub88 sent, however the JSON in them is laid out', () => {
  const bet = betBody(new Ids(), { amount: 700 });
  const reordered = Object.fromEntries(Object.entries(bet).reverse());
  const escaped = JSON.stringify(bet).replace('"alice"', '"\\u0061lice"').replace('"transaction_uuid"', '"transaction\\u005fuuid"');

  it.each<[string, string]>([
    ['indented over several lines', JSON.stringify(bet, null, 2)],
    ['with spaces after colons and commas', JSON.stringify(bet).replaceAll('":', '": ').replaceAll(',"', ', "')],
    ['with \\u escapes in keys and values', escaped],
    ['with its keys in another order', JSON.stringify(reordered)],
    ['with a line break after it', `${JSON.stringify(bet)}\r\n`],
  ])('accepts a correctly signed body %s', async (_, payload) => {
    expect(JSON.parse(payload)).toEqual(bet);
    const { response, wallet } = await post({ 'x-hub88-signature': signBody(payload, HUB88_PRIVATE) }, payload);
    expect(response.json()).toMatchObject({ user: 'alice', status: Status.OK, request_uuid: bet.request_uuid, balance: 99_300 });
    expect(wallet.transactionCount).toBe(1);
  });

  it('refuses that signature once the same JSON is sent compact instead', async () => {
    const { response, wallet } = await post({ 'x-hub88-signature': signBody(JSON.stringify(bet, null, 2), HUB88_PRIVATE) }, JSON.stringify(bet));
    expect(response.json()).toEqual({ user: 'alice', status: Status.INVALID_SIGNATURE, request_uuid: bet.request_uuid });
    expect(wallet.transactionCount).toBe(0);
  });
});

describe('verification is switched off only explicitly', () => {
  it('refuses to build a verifying server without a public key', () => {
    expect(() => buildServer({ logLevel: 'silent' })).toThrow(/public key/);
  });

  it('refuses a public key it cannot read', () => {
    expect(() => buildServer({ hub88PublicKey: 'not a pem', logLevel: 'silent' })).toThrow();
  });

  it('refuses to turn verification off while a public key is given', () => {
    expect(() => buildServer({ hub88PublicKey: HUB88_PUBLIC, verifySignatures: false, logLevel: 'silent' })).toThrow(/a key means requests are verified/);
  });

  it('accepts unsigned requests with verifySignatures: false', async () => {
    const ready = await service({ verifySignatures: false, hub88PublicKey: undefined as never });
    app = ready.app;
    const response = await app.inject({ method: 'POST', url: '/transaction/bet', payload: betBody(new Ids()) });
    expect(response.json()).toMatchObject({ status: Status.OK });
  });

  it('still verifies when a key is given and verification is not turned off', async () => {
    const ready = await service({ hub88PublicKey: HUB88_PUBLIC });
    app = ready.app;
    const response = await app.inject({ method: 'POST', url: '/transaction/bet', payload: betBody(new Ids()) });
    expect(response.json()).toMatchObject({ status: Status.INVALID_SIGNATURE });
  });
});
