import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { entryLines } from '../../lib/journal/entry-lines.js';
import { encodeRecord } from '../../lib/journal/format.js';
import { TransactionRegistry } from '../../lib/registry.js';
import { CANCELLED, WON, type EntryKind } from '../../lib/rules.js';
import { SEED } from '../support/model/arbitraries.js';

const latin1 = fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code));
const rows = fc.array(
  fc.record({
    id: fc.oneof({ weight: 10, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom('not-a-uuid', 'ABCDEF00-0000-4000-8000-000000000000') }),
    user: fc.oneof(
      { weight: 5, arbitrary: fc.string({ maxLength: 20 }) },
      { weight: 2, arbitrary: fc.string({ unit: latin1, maxLength: 20 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
      { weight: 1, arbitrary: fc.constantFrom('\ud800', 'a"b\\c', '\u2028', 'x'.repeat(3_000)) },
    ),
    kind: fc.constantFrom<EntryKind>('bet', 'win', 'rollback', 'deposit', 'withdraw', 'reserved'),
    fingerprint: fc.oneof({ weight: 8, arbitrary: fc.string({ unit: latin1, minLength: 12, maxLength: 12 }) }, { weight: 1, arbitrary: fc.constantFrom('', 'short', 'ĀĀĀĀĀĀĀĀĀĀĀĀ') }),
    requestUuid: fc.oneof({ weight: 8, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.uuid().map((uuid) => uuid.toUpperCase()) }, { weight: 1, arbitrary: fc.constantFrom('', 'REQ-1', '0000') }),
    balance: fc.oneof(fc.nat(), fc.constantFrom(0, 9, 10, 99, 100, 999_999_999_999_999, 1e15, Number.MAX_SAFE_INTEGER, 2 ** 32)),
    state: fc.oneof(fc.constantFrom(WON, CANCELLED, 0, -0, 10, 1e15), fc.nat()),
    created: fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 32 - 1)),
  }),
  { maxLength: 300 },
);

describe('snapshot entry lines are written straight from the registry, byte for byte as encodeRecord writes them', () => {
  it('matches encodeRecord for every row, whatever its values, across buffers of any size', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 64, max: 20_000 }), (given, capacity) => {
        const registry = new TransactionRegistry();
        for (const { id, created, ...entry } of given) registry.record(id, entry, created);
        const view = registry.freeze();
        const expected = [...view.rows()].map((record) => encodeRecord({ type: 'entry', ...record })).join('');
        const copies: Buffer[] = [];
        let count = 0;
        for (const lines of entryLines(view, capacity)) {
          copies.push(Buffer.from(lines.bytes)); // the bytes are valid until the next lines are asked for
          count += lines.count;
        }
        view.release();
        expect(Buffer.concat(copies).toString('utf8')).toBe(expected);
        expect(count).toBe(new Set(given.map((row) => row.id)).size);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
