import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isUuid } from '../../lib/uuid.js';
import { SEED } from '../support/model/arbitraries.js';

describe('an id is UUID-shaped: 8-4-4-4-12 hex digits, either case', () => {
  it('accepts any UUID, in lower, upper or mixed case', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.boolean(), (uuid, upper) => {
        expect(isUuid(upper ? uuid.toUpperCase() : uuid)).toBe(true);
      }),
      { seed: SEED, numRuns: 1000 },
    );
    expect(isUuid('0f1e2d3c-4b5a-6978-8796-A5b4c3d2e1f0')).toBe(true);
  });

  it('refuses other shapes and other types', () => {
    for (const value of ['', 'r-1', '0f1e2d3c4b5a69788796a5b4c3d2e1f0', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 ', 'gf1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 42, null, undefined, {}]) {
      expect(isUuid(value)).toBe(false);
    }
  });
});
