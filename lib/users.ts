import type { NewUser } from './store.js';

/** A currency code as ISO 4217 shapes it: three upper-case letters. */
const CURRENCY = /^[A-Z]{3}$/;

/** A user to create: a name, or a name with its own currency and opening balance. */
export type UserSpec = string | { readonly user: string; readonly currency?: string; readonly balance?: number };

/** The engine's defaults for a new user. */
export interface UserDefaults {
  readonly currency: string;
  readonly initialBalance: number;
}

/**
 * Reads one item of a `createUsers` list: a non-empty name, or `{ user, currency?, balance? }`
 * with a currency of three upper-case letters (or the engine's own) and a non-negative safe
 * integer balance. Returns the user to create, or why the item is refused.
 */
export function parseNewUser(item: unknown, defaults: UserDefaults): NewUser | string {
  if (typeof item === 'string') return item === '' ? 'a user name must not be empty' : { user: item, currency: defaults.currency, balance: defaults.initialBalance };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'a user is a name or { user, currency?, balance? }';
  const { user, currency = defaults.currency, balance = defaults.initialBalance } = item as Record<string, unknown>;
  if (typeof user !== 'string' || user === '') return 'user must be a non-empty string';
  if (typeof currency !== 'string' || !(CURRENCY.test(currency) || currency === defaults.currency)) {
    return `currency must be three upper-case letters (ISO 4217), got ${JSON.stringify(currency) ?? String(currency)}`;
  }
  if (typeof balance !== 'number' || !Number.isSafeInteger(balance) || balance < 0) {
    return `balance must be a non-negative safe integer, got ${typeof balance === 'number' ? String(balance) : typeof balance}`;
  }
  return { user, currency, balance };
}

/**
 * Every valid item of a list, each name once (the first item naming it wins). Items that are
 * not valid are skipped; a list that throws while it is read keeps the items read before that.
 */
export function parseNewUsers(items: unknown, defaults: UserDefaults): NewUser[] {
  const users = new Map<string, NewUser>();
  if (!Array.isArray(items)) return [];
  try {
    for (const item of items as unknown[]) {
      const parsed = parseNewUser(item, defaults);
      if (typeof parsed !== 'string' && !users.has(parsed.user)) users.set(parsed.user, parsed);
    }
  } catch {
    // A hostile list (a proxy, a getter): keep what was read.
  }
  return [...users.values()];
}
