/**
 * Sessions and tokens (SPEC 10): what a session is, how one is asked for, and what a token is
 * worth at a given time. Pure but for the token's random source; every store keeps sessions as
 * {@link SessionState} and judges tokens with {@link tokenStatus}.
 */
import { randomBytes } from 'node:crypto';
import { InvalidFieldError } from './errors.js';
import { Status, type Session } from './types.js';

/** Seconds a session lasts unless asked otherwise: four hours. */
export const DEFAULT_SESSION_SECONDS = 14_400;
export const MIN_SESSION_SECONDS = 60;
export const MAX_SESSION_SECONDS = 604_800;
/** Characters of a token: base64url of 24 random bytes, 192 bits. */
export const TOKEN_LENGTH = 32;
/** The longest `game_code` a session keeps. */
const MAX_GAME_CODE = 255;
/**
 * How long a retention pass keeps a session after it expired, so that its token is still
 * answered `RS_ERROR_TOKEN_EXPIRED` rather than `RS_ERROR_INVALID_TOKEN` for a day.
 */
export const EXPIRED_SESSION_KEPT_MS = 86_400_000;

/** A session as the stores keep it. */
export interface SessionState {
  readonly user: string;
  readonly gameCode?: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** A session to open, read from `openSession`'s body. */
export interface SessionAsk {
  readonly user: string;
  readonly gameCode?: string;
  readonly ttlSeconds: number;
}

/** Reads `openSession`'s body; throws {@link InvalidFieldError} for a field out of its shape. */
export function parseSessionAsk(body: unknown): SessionAsk {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidFieldError('body', 'expected { user, game_code?, ttl_seconds? }');
  const { user, game_code: gameCode, ttl_seconds: ttlSeconds = DEFAULT_SESSION_SECONDS } = body as Record<string, unknown>;
  if (typeof user !== 'string' || user === '') throw new InvalidFieldError('user', 'expected a non-empty string');
  if (gameCode !== undefined && (typeof gameCode !== 'string' || gameCode.length > MAX_GAME_CODE)) {
    throw new InvalidFieldError('game_code', `expected a string of at most ${MAX_GAME_CODE} characters`);
  }
  if (typeof ttlSeconds !== 'number' || !Number.isSafeInteger(ttlSeconds) || ttlSeconds < MIN_SESSION_SECONDS || ttlSeconds > MAX_SESSION_SECONDS) {
    throw new InvalidFieldError('ttl_seconds', `expected a whole number of seconds from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS}`);
  }
  return gameCode === undefined ? { user, ttlSeconds } : { user, gameCode, ttlSeconds };
}

/**
 * A new token: unguessable (24 bytes from the operating system's cryptographic source), URL-safe.
 * Decoded in one piece, so the string is flat: a token built a character at a time is a rope
 * that every `Map` lookup and fingerprint of a bet carrying it would walk.
 */
export function newToken(): string {
  return randomBytes(TOKEN_LENGTH * 3 / 4).toString('base64url');
}

/** The session `ask` opens at `time` (ms). */
export function openedSession(ask: SessionAsk, time: number): SessionState {
  const expiresAt = time + ask.ttlSeconds * 1000;
  return ask.gameCode === undefined ? { user: ask.user, expiresAt } : { user: ask.user, gameCode: ask.gameCode, expiresAt };
}

/** The answer of `openSession`. */
export function sessionAnswer(token: string, session: SessionState, currency: string): Session {
  const expires = new Date(session.expiresAt).toISOString();
  return session.gameCode === undefined
    ? { token, user: session.user, currency, expires_at: expires }
    : { token, user: session.user, currency, game_code: session.gameCode, expires_at: expires };
}

/**
 * What a bet's or balance call's `token` is worth for `user` at `time`, given the session it
 * names (if any): `undefined` when it is good, else the status to refuse with.
 */
export function tokenStatus(user: string, token: unknown, session: SessionState | undefined, time: number): Status | undefined {
  if (typeof token !== 'string' || session === undefined || session.user !== user) return Status.INVALID_TOKEN;
  return time >= session.expiresAt ? Status.TOKEN_EXPIRED : undefined;
}
