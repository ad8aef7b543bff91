/** The last millisecond a clock may read: the end of the year 9999, UTC. */
export const LATEST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A clock's reading (milliseconds since the epoch), checked: times before 1970 or after 9999
 * are a programming error (SPEC 9), never a time to stamp records with, because the stores keep
 * times in fields sized for that span and a wrapped time would drop records early.
 *
 * @throws RangeError for a reading outside 1970-9999, or one that is not a number.
 */
export function checkedTime(time: number): number {
  if (typeof time !== 'number' || !(time >= 0 && time <= LATEST_TIME)) {
    throw new RangeError(`clock must read milliseconds between 1970 and the end of 9999, read ${String(time)}`);
  }
  return time;
}

/** `clock`, each reading checked by {@link checkedTime}. */
export function checkedClock(clock: () => number): () => number {
  return () => checkedTime(clock());
}
