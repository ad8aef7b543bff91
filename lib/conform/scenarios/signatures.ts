/** Requests not signed by Hub88's key over their exact bytes are RS_ERROR_INVALID_SIGNATURE and move nothing. */
import type { KeyObject } from 'node:crypto';
import { signBody } from '../../http/signature.js';
import type { Check } from '../check.js';
import { RawBody, strangerKey, type Route, type Signing } from '../client.js';
import { expectStatus, type CheckContext } from '../context.js';

const INVALID = 'RS_ERROR_INVALID_SIGNATURE';

let stranger: Promise<KeyObject> | undefined;

/** A check that a request signed as `signing` says is refused and moves nothing. */
function refused(name: string, rule: string, request: (context: CheckContext) => Promise<{ route: Route; body: unknown; signing: Signing }>): Check {
  return {
    name,
    category: 'signatures',
    rule,
    signed: true,
    async run(context) {
      const { route, body, signing } = await request(context);
      const answer = await context.send(route, body, signing);
      expectStatus(answer, INVALID, 'the request is refused');
      await context.expectNothingMoved('nothing moves', answer);
    },
  };
}

export const signatures: readonly Check[] = [
  refused('signatures.missing', 'an unsigned bet is refused', async (context) => ({
    route: '/transaction/bet',
    body: context.betBody(context.player(), 5000),
    signing: 'none',
  })),
  refused('signatures.missing-on-balance', 'an unsigned balance call is refused', async (context) => ({
    route: '/user/balance',
    body: context.balanceBody(context.player()),
    signing: 'none',
  })),
  refused('signatures.empty', 'a bet with an empty signature header is refused', async (context) => ({
    route: '/transaction/bet',
    body: context.betBody(context.player(), 5000),
    signing: { header: '' },
  })),
  refused('signatures.garbage', 'a bet whose signature is not base64 of a signature is refused', async (context) => ({
    route: '/transaction/bet',
    body: context.betBody(context.player(), 5000),
    signing: { header: 'not a signature' },
  })),
  refused('signatures.tampered-body', 'a bet whose body was changed after signing is refused', async (context) => {
    const signedText = JSON.stringify(context.betBody(context.player(), 50));
    return { route: '/transaction/bet', body: new RawBody(signedText.replace('"amount":50', '"amount":5000')), signing: { header: context.client.sign(signedText) } };
  }),
  refused('signatures.other-key', "a bet signed with a key other than Hub88's is refused", async (context) => {
    const body = JSON.stringify(context.betBody(context.player(), 5000));
    return { route: '/transaction/bet', body: new RawBody(body), signing: { header: signBody(body, await (stranger ??= strangerKey())) } };
  }),
  refused('signatures.repeated-header', 'a bet carrying the signature header twice is refused, even with valid signatures', async (context) => {
    const body = JSON.stringify(context.betBody(context.player(), 5000));
    const signature = context.client.sign(body);
    return { route: '/transaction/bet', body: new RawBody(body), signing: { header: [signature, signature] } };
  }),
];
