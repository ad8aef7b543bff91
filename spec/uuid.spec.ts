import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isUuid, packUuid, unpackUuid } from '../lib/uuid.js';
import { SEED } from './model/arbitraries.js';

describe('a packed UUID unpacks to exactly the string that was packed', () => {
  it('packs a lower-case UUID into 16 characters and back', () => {
    const uuid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    expect(packUuid(uuid)).toHaveLength(16);
    expect(unpackUuid(packUuid(uuid))).toBe(uuid);
  });

  it('keeps upper- and mixed-case UUIDs and other strings as they are', () => {
    for (const text of ['0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0', '0f1e2d3c-4b5a-6978-8796-A5b4c3d2e1f0', 'r-1', '']) {
      expect(packUuid(text)).toBe(text);
      expect(unpackUuid(packUuid(text))).toBe(text);
    }
  });

  it('round-trips any UUID-shaped string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), fc.uuid().map((uuid) => uuid.toUpperCase())), (uuid) => {
        expect(isUuid(uuid)).toBe(true);
        expect(unpackUuid(packUuid(uuid))).toBe(uuid);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
