/**
 * The contract suite runs once per store (jest.config.ts): this file checks that each run's
 * engines really keep their state where the run's name says.
 */
import { describe, expect, it } from '@jest/globals';
import { onStore, start, STORE } from '../support/stores.js';

describe(onStore(`the contract suite's engines keep their state on the ${STORE} store`), () => {
  it(`starts engines on the ${STORE} store`, async () => {
    const w = start();
    const health = await w.health();
    expect(health.store).toBe(STORE === 'postgres' ? 'postgres' : 'memory');
    // Only an engine with a journal has recovered one.
    expect(w.journal?.recovery !== undefined).toBe(STORE === 'journal');
    await w.stop();
  });
});
