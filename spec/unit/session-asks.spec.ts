/**
 * Sessions by themselves (lib/sessions.ts): what `openSession` takes, and what a token is worth.
 */
import { describe, expect, it } from '@jest/globals';
import { InvalidFieldError } from '../../lib/errors.js';
import { parseSessionAsk, tokenStatus } from '../../lib/sessions.js';
import { Status } from '../../lib/types.js';

/** The InvalidFieldError `call` throws. */
function invalidField(call: () => unknown): InvalidFieldError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFieldError);
    return error as InvalidFieldError;
  }
  throw new Error('expected an InvalidFieldError, nothing was thrown');
}

describe('openSession takes an object only: anything else is an InvalidFieldError naming "body"', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'alice'],
    ['a number', 5],
    ['an array', [{ user: 'alice' }]],
  ])('refuses %s', (_, body) => {
    const error = invalidField(() => parseSessionAsk(body));
    expect(error.field).toBe('body');
    expect(error.message).toBe('body: expected { user, game_code?, ttl_seconds? }');
  });
});

describe("openSession's errors name the field and say what it takes", () => {
  it.each([
    ['an empty user', { user: '' }, 'user', 'user: expected a non-empty string'],
    ['a user that is no string', { user: 7 }, 'user', 'user: expected a non-empty string'],
    ['a game_code of 256 characters', { user: 'alice', game_code: 'g'.repeat(256) }, 'game_code', 'game_code: expected a string of at most 255 characters'],
    ['a ttl_seconds of 59', { user: 'alice', ttl_seconds: 59 }, 'ttl_seconds', 'ttl_seconds: expected a whole number of seconds from 60 to 604800'],
  ])('refuses %s', (_, body, field, message) => {
    const error = invalidField(() => parseSessionAsk(body));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });
});

describe('a token that is not a string is invalid, whatever session it is judged against', () => {
  const session = { user: 'alice', expiresAt: 2_000 };
  it.each([
    ['a number', 5],
    ['an array of the token', ['tok']],
    ['null', null],
  ])('answers RS_ERROR_INVALID_TOKEN to %s', (_, token) => {
    expect(tokenStatus('alice', token, session, 1_000)).toBe(Status.INVALID_TOKEN);
  });

  it('accepts a string token of an open session of the user', () => {
    expect(tokenStatus('alice', 'tok', session, 1_000)).toBeUndefined();
  });
});
