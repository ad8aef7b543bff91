/** Player information (SPEC 11): its shape, checked, and the answer of Hub88's `POST /user/info`. */
import { InvalidFieldError } from './errors.js';
import type { Status, UserInfo, UserInfoResponse } from './types.js';

/** The fields of {@link UserInfo} in the order they are answered. */
export const INFO_FIELDS = ['country', 'jurisdiction', 'sub_partner_id', 'birth_date', 'registration_date', 'tags', 'sex', 'affiliate_id'] as const;
const MAX_TEXT = 64;
const MAX_TAGS = 32;
const COUNTRY = /^[A-Z]{2}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads a user's info; throws {@link InvalidFieldError} naming the first field out of shape (an
 * unknown field included). The result holds the fields that were set, in answer order.
 */
export function parseUserInfo(value: unknown): UserInfo {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidFieldError('info', 'expected an object');
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!(INFO_FIELDS as readonly string[]).includes(key)) throw new InvalidFieldError(key, `not a player info field; the fields are ${INFO_FIELDS.join(', ')}`);
  }
  const info: Record<string, unknown> = {};
  for (const field of INFO_FIELDS) {
    const item = body[field];
    if (item === undefined) continue;
    switch (field) {
      case 'country':
        if (typeof item !== 'string' || !COUNTRY.test(item)) throw new InvalidFieldError(field, 'expected an ISO 3166-1 alpha-2 code such as "EE"');
        break;
      case 'birth_date':
      case 'registration_date':
        if (!isDate(item)) throw new InvalidFieldError(field, 'expected a date YYYY-MM-DD');
        break;
      case 'sex':
        if (item !== 'MALE' && item !== 'FEMALE') throw new InvalidFieldError(field, 'expected "MALE" or "FEMALE"');
        break;
      case 'tags':
        if (!Array.isArray(item) || item.length > MAX_TAGS) throw new InvalidFieldError(field, `expected an array of at most ${MAX_TAGS} strings`);
        item.forEach((tag: unknown, index) => text(`tags[${index}]`, tag));
        info[field] = [...(item as string[])];
        continue;
      default:
        text(field, item);
    }
    info[field] = item;
  }
  return info as UserInfo;
}

/**
 * The answer of `POST /user/info` for a known user: the info fields in {@link INFO_FIELDS}' order,
 * whatever order the store kept them in (PostgreSQL's jsonb orders keys its own way).
 */
export function infoResponse(user: string, status: Status, requestUuid: string, info: UserInfo | undefined): UserInfoResponse {
  const response: Record<string, unknown> = { user, status, request_uuid: requestUuid };
  if (info !== undefined) for (const field of INFO_FIELDS) if (info[field] !== undefined) response[field] = info[field];
  return response as unknown as UserInfoResponse;
}

function text(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw new InvalidFieldError(field, `expected a string of at most ${MAX_TEXT} characters`);
}

function isDate(value: unknown): boolean {
  const match = typeof value === 'string' ? DATE.exec(value) : null;
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
