import { parseUserInfo } from './info.js';
import type { NewUser } from './store.js';
import type { UserInfo } from './types.js';

/** A currency code as ISO 4217 shapes it: three upper-case letters. */
const CURRENCY = /^[A-Z]{3}$/;

/** The most UTF-8 bytes a user name may take. */
export const USER_NAME_MAX_BYTES = 255;
/** Refusal of a name that breaks {@link isUserName}. */
const BAD_NAME = `a user name is 1 to ${USER_NAME_MAX_BYTES} UTF-8 bytes with no NUL and no lone surrogate`;

/**
 * The one rule for user names, on every store (SPEC 9): 1 to 255 UTF-8 bytes, no NUL (`\u0000`)
 * and no lone surrogate. Checked before a name reaches any store, so that a name PostgreSQL
 * cannot hold as sent (a NUL, a lone surrogate it would turn into U+FFFD) is never stored
 * anywhere, and a request naming one is answered as for an unknown user.
 */
export function isUserName(name: string): boolean {
  const length = name.length;
  if (length === 0 || length > USER_NAME_MAX_BYTES) return false;
  for (let i = 0; i < length; i += 1) {
    const code = name.charCodeAt(i);
    if (code === 0) return false;
    if (code < 0xd800 || code > 0xdfff) continue;
    // A high surrogate followed by a low one is a pair; anything else is a lone surrogate.
    const next = code <= 0xdbff && i + 1 < length ? name.charCodeAt(i + 1) : 0;
    if (next < 0xdc00 || next > 0xdfff) return false;
    i += 1;
  }
  // Up to 85 UTF-16 units are at most 255 UTF-8 bytes; only a longer name needs counting.
  return length * 3 <= USER_NAME_MAX_BYTES || Buffer.byteLength(name, 'utf8') <= USER_NAME_MAX_BYTES;
}

/** A user to create: a name, or a name with its own currency and opening balance. */
export type UserSpec = string | { readonly user: string; readonly currency?: string; readonly balance?: number; readonly info?: UserInfo };

/** The engine's defaults for a new user. */
export interface UserDefaults {
  readonly currency: string;
  readonly initialBalance: number;
}

/**
 * Reads one item of a `createUsers` list: a name ({@link isUserName}), or `{ user, currency?,
 * balance?, info? }` with a currency of three upper-case letters (or the engine's own), a
 * non-negative safe integer balance and player info of SPEC 11's shape. Returns the user to
 * create, or why the item is refused.
 */
export function parseNewUser(item: unknown, defaults: UserDefaults): NewUser | string {
  if (typeof item === 'string') {
    if (item === '') return 'a user name must not be empty';
    return isUserName(item) ? { user: item, currency: defaults.currency, balance: defaults.initialBalance } : BAD_NAME;
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'a user is a name or { user, currency?, balance? }';
  const { user, currency = defaults.currency, balance = defaults.initialBalance, info } = item as Record<string, unknown>;
  if (typeof user !== 'string' || user === '') return 'user must be a non-empty string';
  if (!isUserName(user)) return BAD_NAME;
  if (typeof currency !== 'string' || !(CURRENCY.test(currency) || currency === defaults.currency)) {
    return `currency must be three upper-case letters (ISO 4217), got ${JSON.stringify(currency) ?? String(currency)}`;
  }
  if (typeof balance !== 'number' || !Number.isSafeInteger(balance) || balance < 0) {
    return `balance must be a non-negative safe integer, got ${typeof balance === 'number' ? String(balance) : typeof balance}`;
  }
  if (info === undefined) return { user, currency, balance };
  try {
    return { user, currency, balance, info: parseUserInfo(info) };
  } catch (error) {
    return `info.${(error as Error).message}`;
  }
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
