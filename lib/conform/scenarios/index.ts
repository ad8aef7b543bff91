import type { Check } from '../check.js';
import { basics } from './basics.js';
import { concurrency } from './concurrency.js';
import { errors } from './errors.js';
import { idempotency } from './idempotency.js';
import { load } from './load.js';
import { rollback } from './rollback.js';
import { signatures } from './signatures.js';

/** Every check, category by category in the order they run. */
export const CHECKS: readonly Check[] = [...basics, ...idempotency, ...rollback, ...errors, ...signatures, ...concurrency, ...load];
