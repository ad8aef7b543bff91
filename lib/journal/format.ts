import { crc32 } from 'node:zlib';

/**
 * One line of a journal or snapshot file. A journal holds `user` (a user created) and
 * `command` (a bet, win or rollback that succeeded) lines, in the order they were applied. A
 * snapshot holds the whole state: `user` lines with their bets, `record` and `reserved` lines
 * for the registry, and a closing `end` line that counts them.
 */
export type JournalRecord =
  | { readonly type: 'user'; readonly user: string; readonly balance: number; readonly bets?: ReadonlyArray<readonly [string, number]> }
  | {
      readonly type: 'command';
      readonly user: string;
      readonly operation: 'bet' | 'win' | 'rollback';
      readonly transactionUuid: string;
      readonly requestUuid: string;
      readonly referenceUuid?: string;
      readonly currency?: string;
      readonly amount?: number;
      readonly fingerprint: string;
    }
  | { readonly type: 'record'; readonly transactionUuid: string; readonly fingerprint: string; readonly requestUuid: string; readonly balance: number }
  | { readonly type: 'reserved'; readonly transactionUuid: string }
  | { readonly type: 'end'; readonly records: number };

/** A record as one line: the CRC-32 of its JSON in 8 hex digits, a space, the JSON, a newline. */
export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The record of one line (without its newline), or `undefined` if it is damaged. */
export function decodeRecord(line: string): JournalRecord | undefined {
  if (line.length < 10 || line[8] !== ' ') return undefined;
  const json = line.slice(9);
  if (Number.parseInt(line.slice(0, 8), 16) !== crc32(json)) return undefined;
  try {
    const record = JSON.parse(json) as JournalRecord;
    return typeof record === 'object' && record !== null && typeof record.type === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}
