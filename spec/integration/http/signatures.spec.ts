import { afterEach, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Status } from '../../../lib/index.js';
import { buildServer, signBody } from '../../../lib/http/index.js';
import { betBody, Ids } from '../../support/helpers.js';
import { HUB88_PRIVATE, HUB88_PUBLIC, INTRUDER_PRIVATE, service, signedPost } from '../../support/http.js';
import { rawPost, rawSocket, receivedMatching } from '../../support/process.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The same base64 text in the URL-safe alphabet, padding kept. */
const toUrlAlphabet = (text: string): string => text.replaceAll('+', '-').replaceAll('/', '_');

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

describe('the signature header is read strictly: sent once, canonical base64 of exactly the key size', () => {
  const bet = betBody(new Ids(), { amount: 700 });
  const payload = JSON.stringify(bet);
  const valid = signBody(payload, HUB88_PRIVATE);
  const bytes = Buffer.from(valid, 'base64');
  // Of the last character before the padding, a 256-byte signature uses only the top two bits.
  const lastIndex = valid.length - 3;
  const unusedBitsSet = valid.slice(0, lastIndex) + BASE64[BASE64.indexOf(valid[lastIndex] as string) + 1] + valid.slice(lastIndex + 1);

  it('has signatures that Node decodes to the valid bytes in each of these forms', () => {
    expect(bytes).toHaveLength(256);
    expect(valid).toMatch(/[+/]/);
    expect(valid.endsWith('==')).toBe(true);
    for (const form of [`${valid.slice(0, 100)} ${valid.slice(100)}`, `${valid}junk`, valid.replace(/=+$/, ''), unusedBitsSet, toUrlAlphabet(valid)]) {
      expect(Buffer.from(form, 'base64')).toEqual(bytes);
    }
  });

  it.each<[string, string]>([
    ['with a space inside', `${valid.slice(0, 100)} ${valid.slice(100)}`],
    ['with junk after its padding', `${valid}junk`],
    ['without its padding', valid.replace(/=+$/, '')],
    ['with the unused bits of its last character set', unusedBitsSet],
    ['in the URL-safe alphabet', toUrlAlphabet(valid)],
    ['of one byte more than the key (a zero byte in front)', Buffer.concat([Buffer.alloc(1), bytes]).toString('base64')],
  ])('refuses a valid signature %s with RS_ERROR_INVALID_SIGNATURE and changes nothing', async (_, header) => {
    const { response, wallet } = await post({ 'x-hub88-signature': header }, payload);
    expect(response.json()).toEqual({ user: 'alice', status: Status.INVALID_SIGNATURE, request_uuid: bet.request_uuid });
    expect(wallet.transactionCount).toBe(0);
  });

  it.each<[string, string]>([
    ['the first copy valid and the second junk', 'junk'],
    ['both copies valid', valid],
  ])('refuses a header sent twice, %s, with RS_ERROR_INVALID_SIGNATURE and changes nothing', async (_, second) => {
    const ready = await service();
    app = ready.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const twice = await rawSocket(port);
    twice.socket.write(rawPost('/transaction/bet', bet, { 'X-Hub88-Signature': valid }).replace('\r\n\r\n', `\r\nx-hub88-signature: ${second}\r\n\r\n`));
    const answer = await receivedMatching(twice, /\r\n\r\n\{.*\}$/s);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ user: 'alice', status: Status.INVALID_SIGNATURE, request_uuid: bet.request_uuid });
    expect(ready.wallet.transactionCount).toBe(0);

    // The same request with the header once is accepted on the same connection.
    twice.socket.write(rawPost('/transaction/bet', bet, { 'X-Hub88-Signature': valid }));
    await receivedMatching(twice, /"status":"RS_OK"/);
    twice.socket.destroy();
  });

  it('refuses at start a Hub88 key that is not RSA (its signatures have no fixed size)', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => buildServer({ hub88PublicKey: publicKey.export({ type: 'spki', format: 'pem' }), logLevel: 'silent' })).toThrow(/must be an RSA key .*got ec/);
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
