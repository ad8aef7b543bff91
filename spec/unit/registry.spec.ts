import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TransactionRegistry } from '../../lib/registry.js';
import { CANCELLED, WON, type Entry, type EntryKind } from '../../lib/rules.js';
import { SEED } from '../support/model/arbitraries.js';

/** The registry as a plain Map of objects: what the compact one must behave exactly like. */
class ReferenceRegistry {
  /** Each id's entry and the minute of its last change. */
  readonly map = new Map<string, { entry: Entry; changed: number }>();
  get size(): number {
    let recorded = 0;
    for (const { entry } of this.map.values()) if (entry.kind !== 'reserved') recorded += 1;
    return recorded;
  }
  lookup(id: string): Entry | undefined {
    return this.map.get(id)?.entry;
  }
  record(id: string, entry: Entry, changed: number): void {
    this.map.set(id, { entry: { ...entry }, changed });
  }
  settle(id: string, state: number, changed: number): void {
    const known = this.map.get(id);
    if (known !== undefined) this.map.set(id, { entry: { ...known.entry, state }, changed });
  }
  reserve(id: string, user: string, changed: number): void {
    this.record(id, { user, kind: 'reserved', fingerprint: '', requestUuid: '', balance: 0, state: CANCELLED }, changed);
  }
  forget(id: string): void {
    this.map.delete(id);
  }
  purge(cutoff: number): number {
    let dropped = 0;
    for (const [id, { entry, changed }] of this.map) {
      if (changed >= cutoff || (entry.kind === 'bet' && entry.state >= 0)) continue;
      this.map.delete(id);
      dropped += 1;
    }
    return dropped;
  }
}

const plain = (entry: Entry | undefined): Entry | undefined =>
  entry === undefined ? undefined : { user: entry.user, kind: entry.kind, fingerprint: entry.fingerprint, requestUuid: entry.requestUuid, balance: entry.balance, state: entry.state };

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
/** Ids from a pool small enough to collide often; a few are no lower-case UUID. */
const ids = fc.oneof(
  { weight: 12, arbitrary: fc.nat(4_000).map((n) => `${hex(n * 2_654_435_761 % 2 ** 32, 8)}-0000-4000-8000-${hex(n, 12)}`) },
  { weight: 1, arbitrary: fc.nat(50).map((n) => `${hex(n, 8)}-ABCD-4000-8000-${hex(n, 12)}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'r-1', 'not-a-uuid', 'ffffffff-ffff-ffff-ffff-fffffffffffg') },
);
const fingerprints = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), minLength: 12, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'short', 'ĀĀĀĀĀĀĀĀĀĀĀĀ', 'thirteen char') },
);
const requestUuids = fc.oneof(
  { weight: 8, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.uuid().map((uuid) => uuid.toUpperCase()) },
  { weight: 1, arbitrary: fc.uuid().map((uuid) => [...uuid].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('')) },
  { weight: 1, arbitrary: fc.constantFrom('', 'req-7', 'ABCDEF01-2345-6789-ABCD-EF0123456789', 'abcdef01-2345-6789-ABCD-ef0123456789') },
);
const kinds = fc.constantFrom<EntryKind>('bet', 'win', 'rollback', 'deposit', 'withdraw', 'reserved');
const entries = fc.record({
  user: fc.constantFrom('alice', 'bob', 'carol', 'd'.repeat(40), ''),
  kind: kinds,
  fingerprint: fingerprints,
  requestUuid: requestUuids,
  balance: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(0, 2 ** 31, Number.MAX_SAFE_INTEGER)),
  state: fc.oneof(fc.constantFrom(WON, CANCELLED, 0), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
});
type Operation =
  | { op: 'record'; id: string; entry: Entry }
  | { op: 'settle'; id: string; state: number }
  | { op: 'reserve'; id: string; user: string }
  | { op: 'lookup'; id: string }
  | { op: 'forget'; id: string }
  | { op: 'tick'; minutes: number }
  | { op: 'purge'; age: number };
const operations = fc.array(
  fc.oneof(
    { weight: 10, arbitrary: fc.record({ op: fc.constant('record' as const), id: ids, entry: entries }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('settle' as const), id: ids, state: fc.constantFrom(WON, CANCELLED, 5) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('reserve' as const), id: ids, user: fc.constantFrom('alice', 'bob') }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('lookup' as const), id: ids }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('forget' as const), id: ids }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 100 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('purge' as const), age: fc.integer({ min: 0, max: 200 }) }) },
  ),
  { maxLength: 3_000 },
) as fc.Arbitrary<Operation[]>;

describe('the compact registry behaves exactly like a Map of entries', () => {
  it('answers every lookup, size and listing alike over random sequences, growth, forgotten ids and retention passes included', () => {
    fc.assert(
      fc.property(operations, (sequence) => {
        let now = 28_000_000; // minutes since the epoch, in 2023
        const compact = new TransactionRegistry();
        const reference = new ReferenceRegistry();
        for (const step of sequence) {
          switch (step.op) {
            case 'record':
              compact.record(step.id, step.entry, now);
              reference.record(step.id, step.entry, now);
              break;
            case 'settle':
              compact.settle(step.id, step.state, now);
              reference.settle(step.id, step.state, now);
              break;
            case 'reserve':
              compact.reserve(step.id, step.user, now);
              reference.reserve(step.id, step.user, now);
              break;
            case 'lookup':
              expect(plain(compact.lookup(step.id))).toEqual(reference.lookup(step.id));
              break;
            case 'forget':
              compact.forget(step.id);
              reference.forget(step.id);
              break;
            case 'tick':
              now += step.minutes;
              break;
            case 'purge': {
              const cutoff = now - step.age;
              expect(compact.purge(cutoff)).toBe(reference.purge(cutoff));
              break;
            }
          }
          expect(compact.size).toBe(reference.size);
        }
        for (const [id, { entry }] of reference.map) expect(plain(compact.lookup(id))).toEqual(entry);
        const listed = [...compact.entries()].map(([id, entry]) => [id, plain(entry)] as const);
        expect(new Map(listed)).toEqual(new Map([...reference.map].map(([id, { entry }]) => [id, entry])));
        expect(listed).toHaveLength(reference.map.size);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('keeps the order of first sight in its listing while nothing was dropped', () => {
    const registry = new TransactionRegistry();
    const order = ['c', 'a', 'b'].map((letter, n) => `0000000${n}-0000-4000-8000-00000000000${letter}`);
    for (const id of order) registry.record(id, { user: 'u', kind: 'win', fingerprint: 'f'.repeat(12), requestUuid: id, balance: 1, state: 0 }, 0);
    registry.settle(order[0] as string, WON, 0);
    expect([...registry.entries()].map(([id]) => id)).toEqual(order);
  });

  it('holds 160,000 ids across several segments and index doublings, finds each and drops the old ones', () => {
    let now = 0;
    const registry = new TransactionRegistry();
    const id = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n * 7, 12)}`;
    for (let n = 0; n < 160_000; n += 1) {
      if (n === 80_000) now = 10_000_000;
      registry.record(id(n), { user: `p${n % 1000}`, kind: n % 2 === 0 ? 'bet' : 'win', fingerprint: 'x'.repeat(12), requestUuid: id(n), balance: n, state: n % 4 === 0 ? 5 : WON }, now);
    }
    expect(registry.size).toBe(160_000);
    for (let n = 0; n < 160_000; n += 997) expect(plain(registry.lookup(id(n)))?.balance).toBe(n);
    // Of the first 80,000, every bet with n % 4 == 0 is open and stays.
    expect(registry.purge(5_000)).toBe(80_000 - 20_000);
    expect(registry.size).toBe(80_000 + 20_000);
    for (let n = 0; n < 160_000; n += 1) {
      const kept = n >= 80_000 || n % 4 === 0;
      if (kept !== (registry.lookup(id(n)) !== undefined)) throw new Error(`${n}: expected ${kept ? 'kept' : 'dropped'}`);
    }
    // Freed rows are reused.
    for (let n = 160_000; n < 260_000; n += 1) registry.record(id(n), { user: 'q', kind: 'deposit', fingerprint: 'y'.repeat(12), requestUuid: id(n), balance: n, state: 0 }, now);
    expect(registry.lookup(id(259_999))?.balance).toBe(259_999);
    expect(registry.lookup(id(80_001))?.balance).toBe(80_001);
    expect([...registry.entries()]).toHaveLength(200_000);
  });
});

describe('the registry remembers its last hit and miss, never past a change', () => {
  const id = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`;
  const entry = (balance: number): Entry => ({ user: 'u', kind: 'win', fingerprint: 'f'.repeat(12), requestUuid: id(900), balance, state: 0 });

  it('forgets a found id that is dropped, by forget or by a retention pass', () => {
    const registry = new TransactionRegistry();
    registry.record(id(1), entry(1), 0);
    registry.record(id(2), entry(2), 0);
    expect(registry.lookup(id(1))?.balance).toBe(1);
    registry.forget(id(1));
    expect(registry.lookup(id(1))).toBeUndefined();
    expect(registry.lookup(id(2))?.balance).toBe(2);
    expect(registry.purge(5_000)).toBe(1);
    expect(registry.lookup(id(2))).toBeUndefined();
    registry.record(id(3), entry(3), 10_000); // reuses a freed row
    expect(registry.lookup(id(2))).toBeUndefined();
    expect(registry.lookup(id(3))?.balance).toBe(3);
  });

  it('finds an id recorded or reserved right after it was looked up as absent', () => {
    const registry = new TransactionRegistry();
    expect(registry.lookup(id(4))).toBeUndefined();
    registry.record(id(4), entry(4), 0);
    expect(registry.lookup(id(4))?.balance).toBe(4);
    expect(registry.lookup(id(5))).toBeUndefined();
    registry.reserve(id(5), 'u', 0);
    expect(registry.lookup(id(5))?.kind).toBe('reserved');
    // A miss of one id, then another id recorded: the first is still absent, and recorded under its own key.
    expect(registry.lookup(id(6))).toBeUndefined();
    registry.record(id(7), entry(7), 0);
    registry.record(id(6), entry(6), 0);
    expect([id(6), id(7)].map((known) => registry.lookup(known)?.balance)).toEqual([6, 7]);
    expect([...registry.entries()].map(([known]) => known)).toEqual([id(4), id(5), id(7), id(6)]);
  });
});

describe('a frozen registry reads as it was when frozen, whatever is written meanwhile', () => {
  it('keeps its rows while ids are recorded, settled and dropped, and the registry stays exact', () => {
    const registry = new TransactionRegistry();
    const id = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`;
    const entry = (n: number): Entry => ({ user: `p${n % 7}`, kind: 'bet', fingerprint: 'z'.repeat(12), requestUuid: id(n), balance: n, state: n });
    for (let n = 0; n < 70_000; n += 1) registry.record(id(n), n % 5 === 0 ? { ...entry(n), requestUuid: `REQ-${n}` } : entry(n), 0); // two segments
    registry.record('odd-id', { ...entry(1), fingerprint: 'odd', requestUuid: 'REQ' }, 0);
    const before = [...registry.entries()].map(([transactionUuid, e]) => ({ transactionUuid, ...plain(e), created: 0 }));
    const view = registry.freeze();
    // Settled at minute 10: kept by a pass at minute 1 whatever their recording time, dropped by one at minute 11.
    for (let n = 0; n < 70_000; n += 3) registry.settle(id(n), WON, 10);
    for (let n = 70_000; n < 75_000; n += 1) registry.record(id(n), entry(n), 10);
    expect(registry.purge(1)).toBe(0);
    expect(registry.purge(11)).toBe(Math.ceil(70_000 / 3));
    for (let n = 1; n < 70_000; n += 15) registry.record(id(n), { ...entry(n), requestUuid: `CHANGED-${n}` }, 10);
    registry.record('odd-id', { ...entry(2), fingerprint: 'changed' }, 10);
    expect([...view.rows()]).toEqual(before);
    view.release();
    expect(registry.lookup(id(1))?.state).toBe(1);
    expect(registry.lookup(id(3))).toBeUndefined();
    expect(registry.lookup('odd-id')?.fingerprint).toBe('changed');
    registry.settle(id(1), CANCELLED, 10);
    expect(registry.lookup(id(1))?.state).toBe(CANCELLED);
  });
});

describe('a row ages from its last change, kept in minutes that last past the year 9999', () => {
  const id = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`;
  const bet = (n: number): Entry => ({ user: 'u', kind: 'bet', fingerprint: 'b'.repeat(12), requestUuid: id(n), balance: n, state: 100 });

  it('dates a bet from the win or rollback that settled it, and a reservation from its rollback', () => {
    const registry = new TransactionRegistry();
    registry.record(id(1), bet(1), 0);
    registry.record(id(2), bet(2), 0);
    registry.settle(id(1), CANCELLED, 5_000);
    registry.settle(id(2), WON, 6_000);
    registry.reserve(id(3), 'u', 5_000);
    expect(registry.purge(5_000)).toBe(0);
    expect([...registry.freeze().rows()].map((row) => row.created)).toEqual([5_000 * 60, 6_000 * 60, 5_000 * 60]);
    expect(registry.purge(5_001)).toBe(2);
    expect(registry.lookup(id(2))?.state).toBe(WON);
    expect(registry.purge(6_001)).toBe(1);
  });

  it('keeps a time of the year 9999 exactly, past where seconds in 32 bits wrap (2106)', () => {
    const registry = new TransactionRegistry();
    const minutes = (time: number): number => Math.floor(time / 60_000);
    const late = minutes(Date.UTC(9999, 11, 31, 23, 59));
    registry.record(id(1), { ...bet(1), kind: 'win', state: 0 }, minutes(Date.UTC(2107, 0, 1)));
    registry.record(id(2), { ...bet(2), kind: 'win', state: 0 }, late);
    expect(registry.purge(minutes(Date.UTC(2107, 0, 1)))).toBe(0);
    expect([...registry.freeze().rows()].map((row) => new Date(row.created * 1000).toISOString())).toEqual(['2107-01-01T00:00:00.000Z', '9999-12-31T23:59:00.000Z']);
    expect(registry.purge(late)).toBe(1);
    expect(registry.lookup(id(2))?.kind).toBe('win');
  });
});

describe('a request_uuid that is a UUID in one case lives in its row, only a mixed-case one in a side map', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const usedHeap = (): number => {
    gc();
    gc();
    return getHeapStatistics().used_heap_size;
  };
  const id = (n: number): string => `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`;
  /** Heap bytes per row recorded with `requestUuid(n)`, and the registry, to read back. */
  function heapPerRow(requestUuid: (n: number) => string): { bytes: number; registry: TransactionRegistry } {
    const registry = new TransactionRegistry();
    const rows = 50_000;
    const before = usedHeap();
    for (let n = 0; n < rows; n += 1) registry.record(id(n), { user: 'u', kind: 'win', fingerprint: 'f'.repeat(12), requestUuid: requestUuid(n), balance: n, state: 0 }, 0);
    return { bytes: (usedHeap() - before) / rows, registry };
  }

  it('keeps upper-case request_uuids off the heap and answers them as sent', () => {
    const upper = (n: number): string => `${hex(n, 8)}-ABCD-4000-8000-${hex(n, 12)}`.toUpperCase();
    const { bytes, registry } = heapPerRow(upper);
    expect(bytes).toBeLessThan(8);
    for (let n = 0; n < 50_000; n += 4_999) expect(registry.lookup(id(n))?.requestUuid).toBe(upper(n));
  });

  it('keeps a mixed-case request_uuid exactly, on the heap', () => {
    const mixed = (n: number): string => `${hex(n, 8)}-ABcd-4000-8000-${hex(n, 12)}`;
    const { bytes, registry } = heapPerRow(mixed);
    expect(bytes).toBeGreaterThan(40);
    for (let n = 0; n < 50_000; n += 4_999) expect(registry.lookup(id(n))?.requestUuid).toBe(mixed(n));
  });
});
