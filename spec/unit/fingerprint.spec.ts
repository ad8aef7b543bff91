import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CANONICAL_LIMIT, canonicalForm, fingerprint, NOT_SCALAR, scalarCanonicalForm, walkCanonicalForm } from '../../lib/fingerprint.js';
import { Status } from '../../lib/index.js';
import { betBody, resent, setup } from '../support/helpers.js';
import { SEED } from '../support/model/arbitraries.js';

const of = (body: Record<string, unknown>, operation: 'bet' | 'win' | 'rollback' = 'bet'): string | undefined =>
  fingerprint(operation, new Map(Object.entries(body)));

/** The canonical text of `meta` alone. */
function metaText(meta: unknown): string | undefined {
  return canonicalForm('bet', new Map([['meta', meta]]))?.slice('bet,"meta":'.length);
}

/** `levels` objects, each holding the next one twice: tiny in memory, 2^levels leaves as JSON. */
function sharedTree(levels: number, onRead: () => void = () => {}): object {
  let level: object = { leaf: 1 };
  for (let i = 0; i < levels; i += 1) {
    const next = level;
    const node = {};
    for (const key of ['left', 'right']) {
      Object.defineProperty(node, key, { enumerable: true, get: () => (onRead(), next) });
    }
    level = node;
  }
  return level;
}

describe('a fingerprint is the operation and every field but request_uuid, in canonical form', () => {
  const body = { user: 'a', transaction_uuid: 't', request_uuid: 'r1', amount: 5, meta: { x: [1, { y: 2 }] } };

  it('ignores request_uuid and key order at every depth', () => {
    expect(of({ meta: { x: [1, { y: 2 }] }, amount: 5, request_uuid: 'r2', transaction_uuid: 't', user: 'a' })).toBe(
      of(body),
    );
  });

  it('changes with the operation', () => {
    expect(of(body, 'win')).not.toBe(of(body));
  });

  it.each([
    ['a top-level value', { amount: 6 }],
    ['a nested value', { meta: { x: [1, { y: 3 }] } }],
    ['array order', { meta: { x: [{ y: 2 }, 1] } }],
    ['a value type', { amount: '5' }],
    ['an added field', { round: 'r' }],
  ])('changes with %s', (_, changed) => {
    expect(of({ ...body, ...changed })).not.toBe(of(body));
  });

  it('reads values as JSON does: undefined fields are absent, -0 is 0', () => {
    expect(of({ ...body, token: undefined })).toBe(of(body));
    expect(of({ ...body, amount: 0 })).toBe(of({ ...body, amount: -0 }));
  });

  it('keys cannot be confused with values', () => {
    expect(of({ a: 'b,"c":1' })).not.toBe(of({ a: 'b', c: 1 }));
  });

  it('handles bigints and reference cycles without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => of({ ...body, meta: cyclic, big: 10n })).not.toThrow();
    expect(of({ ...body, big: 10n })).not.toBe(of({ ...body, big: 10 }));
  });
});

describe('a body whose nested values cannot be read is RS_ERROR_WRONG_SYNTAX', () => {
  it('refuses a meta getter that throws, and changes nothing', async () => {
    const { w, ids } = await setup();
    const meta = {};
    Object.defineProperty(meta, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect((await w.bet(betBody(ids, { meta }))).status).toBe(Status.WRONG_SYNTAX);
    expect(w.transactionCount).toBe(0);
  });
});

describe('values compare as JSON writes them', () => {
  it('writes an array hole as null, as JSON does', () => {
    const holey = [, 1];
    expect(metaText(holey)).toBe('[null,1]');
    expect(of({ meta: holey })).toBe(of({ meta: [null, 1] }));
    expect(of({ meta: new Array(3) })).toBe(of({ meta: [null, null, null] }));
  });

  it('writes a boxed primitive as the primitive, and calls toJSON once', () => {
    expect(of({ meta: Object('spin') })).toBe(of({ meta: 'spin' }));
    expect(of({ meta: Object(7) })).toBe(of({ meta: 7 }));
    const date = new Date(0);
    expect(metaText({ at: date })).toBe(`{"at":${JSON.stringify(date)}}`);
    expect(metaText({ toJSON: () => ({ toJSON: () => 'again', x: 1 }) })).toBe('{"x":1}');
  });

  it('gives back, for JSON values with holes, text that parses to what JSON.stringify writes', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.sparseArray(fc.jsonValue({ maxDepth: 2 }), { maxLength: 8 }));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { maxKeys: 5 }), (meta) => {
        expect(JSON.parse(metaText(meta) as string)).toEqual(JSON.parse(JSON.stringify(meta)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('transaction_uuid and reference_transaction_uuid are fingerprinted in lower case', () => {
  const lower = { transaction_uuid: 'abcdef01-2345-4789-8abc-def012345678', reference_transaction_uuid: 'fedcba98-7654-4321-8fed-cba987654321' };

  it('gives an upper-cased id the fingerprint of the lower-case one', () => {
    expect(of({ ...lower, transaction_uuid: lower.transaction_uuid.toUpperCase() }, 'win')).toBe(of(lower, 'win'));
    expect(of({ ...lower, reference_transaction_uuid: lower.reference_transaction_uuid.toUpperCase() }, 'win')).toBe(of(lower, 'win'));
  });

  it('keeps the case of every other field', () => {
    expect(of({ ...lower, currency: 'usd' })).not.toBe(of({ ...lower, currency: 'USD' }));
    expect(of({ ...lower, meta: { transaction_uuid: 'ABC' } })).not.toBe(of({ ...lower, meta: { transaction_uuid: 'abc' } }));
  });
});

describe('the canonical form is bounded at 1 MiB and built in time linear in it', () => {
  const base = (): Map<string, unknown> => new Map<string, unknown>([['user', 'alice'], ['amount', 1]]);

  it('gives up past the limit and accepts a form of exactly the limit', () => {
    const empty = canonicalForm('bet', new Map([...base(), ['meta', '']])) as string;
    const fits = 'x'.repeat(CANONICAL_LIMIT - empty.length);
    expect(canonicalForm('bet', new Map([...base(), ['meta', fits]]))).toHaveLength(CANONICAL_LIMIT);
    expect(canonicalForm('bet', new Map([...base(), ['meta', `${fits}x`]]))).toBeUndefined();
  });

  it('stops reading a shared tree once the limit is passed, rather than visiting all 2^27 leaves', () => {
    let reads = 0;
    const tree = sharedTree(27, () => {
      reads += 1;
    });
    expect(canonicalForm('bet', new Map([['meta', tree]]))).toBeUndefined();
    // Every read writes at least `"left":{`, so no more than LIMIT / 8 reads fit.
    expect(reads).toBeLessThanOrEqual(CANONICAL_LIMIT / 8 + 1);
  });

  it('stops reading a sparse array of 2^28 holes after about LIMIT / 5 of them', () => {
    let reads = 0;
    const sparse = new Proxy(new Array<unknown>(2 ** 28), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(canonicalForm('bet', new Map([['meta', sparse]]))).toBeUndefined();
    expect(reads).toBeLessThanOrEqual(CANONICAL_LIMIT / 5 + 1);
  });

  it('writes nesting deeper than the call stack goes', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(metaText(deep)).toBe(`${'['.repeat(200_000)}1${']'.repeat(200_000)}`);
  });
});

describe('a body whose canonical form passes 1 MiB is RS_ERROR_WRONG_SYNTAX', () => {
  it.each([
    ['a tree of 27 levels of shared objects', () => sharedTree(27)],
    ['a sparse array of 2^28 holes', () => new Array<unknown>(2 ** 28)],
    ['a typed array of 2^21 bytes', () => new Uint8Array(2 ** 21)],
    ['a string of 1 MiB', () => 'x'.repeat(CANONICAL_LIMIT)],
  ])('refuses %s at once and changes nothing', async (_, meta) => {
    const { w, ids } = await setup();
    const started = performance.now();
    expect((await w.bet(betBody(ids, { meta: meta() }))).status).toBe(Status.WRONG_SYNTAX);
    // Generous: only guards against time growing with the leaves rather than with the limit.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(w.transactionCount).toBe(0);
  });

  it('accepts a body just under the bound, and replays it', async () => {
    const { w, ids } = await setup();
    const bet = betBody(ids, { meta: { history: 'x'.repeat(CANONICAL_LIMIT - 1_000) } });
    const first = await w.bet(bet);
    expect(first).toMatchObject({ status: Status.OK, balance: 99_900 });
    expect(await w.bet(resent(bet, ids))).toEqual(first);
  });
});

describe('the fast path for a body of scalars writes exactly the text of the general walk', () => {
  const key = fc.oneof(
    fc.constantFrom('user', 'transaction_uuid', 'reference_transaction_uuid', 'request_uuid', 'currency', 'amount', 'round', 'game_code', '__proto__', 'a', 'B', ''),
    fc.string({ unit: 'binary' }),
  );
  const scalar = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, true, false, null),
  );
  const operation = fc.constantFrom('bet', 'win', 'rollback', 'deposit', 'withdraw');
  const fields = fc.uniqueArray(fc.tuple(key, scalar), { selector: ([name]) => name, maxLength: 12 });

  it('gives the same canonical form, byte for byte, for any body of strings, numbers, booleans and null', () => {
    fc.assert(
      fc.property(operation, fields, (op, entries) => {
        const fast = scalarCanonicalForm(op, entries.map(([name]) => name), entries.map(([, value]) => value));
        expect(fast).not.toBe(NOT_SCALAR);
        expect(fast).toBe(walkCanonicalForm(op, new Map(entries)));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('gives up at the same limit as the walk', () => {
    fc.assert(
      fc.property(operation, fields, fc.integer({ min: 0, max: 400 }), (op, entries, limit) => {
        const fast = scalarCanonicalForm(op, entries.map(([name]) => name), entries.map(([, value]) => value), limit);
        expect(fast).toBe(walkCanonicalForm(op, new Map(entries), limit));
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('leaves every other value to the walk', () => {
    for (const value of [undefined, {}, [], 1n, () => 1, Symbol('s'), new String('boxed')]) {
      expect(scalarCanonicalForm('bet', ['user', 'meta'], ['a', value])).toBe(NOT_SCALAR);
    }
    expect(scalarCanonicalForm('bet', ['request_uuid'], [{}])).toBe('bet'); // request_uuid is not fingerprinted
  });
});

describe('a string is written as JSON writes it, on the fast path too: a lone surrogate is \\u-escaped', () => {
  const lone = ['\ud800', '\udbff', '\udc00', '\udfff', 'a\ud83d', '\ude00b'];

  it('writes each lone surrogate as its escape, the text the walk writes', () => {
    for (const text of lone) {
      const fast = scalarCanonicalForm('bet', ['round'], [text]);
      expect(fast).toBe(`bet,"round":${JSON.stringify(text)}`);
      expect(fast).toBe(walkCanonicalForm('bet', new Map([['round', text]])));
      expect(fast).toMatch(/\\ud[89a-f][0-9a-f]{2}/);
    }
  });

  it('keeps two rounds that differ only in a lone surrogate apart (UTF-8 would make both U+FFFD)', () => {
    const prints = new Set(lone.slice(0, 4).map((round) => of({ round })));
    expect(prints.size).toBe(4);
  });

  it('writes a surrogate pair, quotes, backslashes and control characters as JSON does', () => {
    for (const text of ['\ud83d\ude00', 'say "hi"', 'a\\b', '\u0000\u001f', 'tab\there', ' ', '\ud7ff\ue000']) {
      expect(scalarCanonicalForm('bet', ['round'], [text])).toBe(`bet,"round":${JSON.stringify(text)}`);
    }
  });
});

describe('the limit counts a field left out as one character, on the walk as on the fast path', () => {
  const fields = new Map<string, unknown>([['left_out', undefined], ['meta', { x: 'y' }]]);
  const written = 'bet,"meta":{"x":"y"}';

  it('accepts the text at the limit with its left-out field counted, and refuses it one under', () => {
    expect(canonicalForm('bet', fields, written.length + 1)).toBe(written);
    expect(canonicalForm('bet', fields, written.length)).toBeUndefined();
  });

  it('counts a field left out after the last one written, where no closing bracket follows it', () => {
    const trailing = new Map<string, unknown>([['meta', 'y'], ['zz', undefined]]);
    const text = 'bet,"meta":"y"';
    for (const form of [canonicalForm, walkCanonicalForm]) {
      expect(form('bet', trailing, text.length + 1)).toBe(text);
      expect(form('bet', trailing, text.length)).toBeUndefined();
    }
  });

  it('counts closing brackets: a nested form one past the limit is refused however it ends', () => {
    const nested = new Map<string, unknown>([['meta', [[{ a: [] }]]]]);
    const text = 'bet,"meta":[[{"a":[]}]]';
    expect(canonicalForm('bet', nested, text.length)).toBe(text);
    for (let limit = text.length - 4; limit < text.length; limit += 1) expect(canonicalForm('bet', nested, limit)).toBeUndefined();
  });

  it('gives a body read into a field list with a nested value a form of exactly CANONICAL_LIMIT', () => {
    const empty = 'bet,"meta":{"x":""}';
    const meta = { x: 'x'.repeat(CANONICAL_LIMIT - empty.length) };
    expect(fingerprint('bet', { keys: ['meta'], values: [meta] })).toBe(fingerprint('bet', new Map([['meta', meta]])));
    expect(fingerprint('bet', { keys: ['meta'], values: [meta] })).toBeDefined();
    expect(fingerprint('bet', { keys: ['meta'], values: [{ x: `${meta.x}x` }] })).toBeUndefined();
  });
});

describe('nested values of every kind JavaScript has are written, and told apart', () => {
  it('writes a bigint with its n, boxed or not', () => {
    expect(metaText(10n)).toBe('10n');
    expect(metaText(Object(10n))).toBe('10n');
    expect(of({ meta: 10n })).not.toBe(of({ meta: 11n }));
  });

  it('writes a boxed boolean, number and string as the primitive, and a boxed symbol as {}', () => {
    expect(metaText(Object(false))).toBe('false');
    expect(metaText(Object(true))).toBe('true');
    expect(metaText(Object(5))).toBe('5');
    expect(metaText(Object('5'))).toBe('"5"');
    expect(metaText(Object(Symbol('s')))).toBe('{}');
  });

  it('writes a small typed array as JSON does, an object of its entries', () => {
    expect(metaText(new Uint8Array([1, 2]))).toBe(JSON.stringify(new Uint8Array([1, 2])));
    expect(metaText({ a: new Float64Array([0.5]) })).toBe('{"a":{"0":0.5}}');
  });

  it('calls toJSON once on an object whose toJSON gives back itself, and marks its cycle', () => {
    let calls = 0;
    const looped: Record<string, unknown> = { n: 1 };
    looped.toJSON = function (this: unknown) {
      calls += 1;
      return this;
    };
    looped.self = looped;
    expect(metaText(looped)).toBe('{"n":1,"self":"[cycle]"}');
    expect(calls).toBe(1);
  });
});
