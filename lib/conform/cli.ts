import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT } from '../http/cli.js';
import { CATEGORIES, type Category } from './check.js';
import { jsonReport } from './report/json.js';
import { junitReport } from './report/junit.js';
import { header, resultLines, summary } from './report/text.js';
import { ConformUsageError, DEFAULTS, MIN_BALANCE, runConformance, type ConformOptions } from './runner.js';

export const HELP = `Usage: exwallet conform --url URL --users USER[,USER...] [options]

Checks a Hub88 operator wallet over HTTP against the wallet contract: replays, duplicates,
rollbacks, refusals, signatures, concurrency and a short load. It sends requests to --url only,
judges every balance change relative to the balances it reads first, and rolls back the bets it
leaves open.

Options:
  --url URL            the wallet's base URL; /user/balance and /transaction/{bet,win,rollback}
                       are under it
  --users LIST         test players (comma-separated) that exist with at least ${MIN_BALANCE} in
                       their currency; two or more run every check
  --key FILE           private key (PEM) to sign every request with, as Hub88 does; without it
                       requests go unsigned and the signature checks are skipped
  --tokens FILE        a JSON object of each test player's session token, for a wallet that
                       requires tokens: sent as "token" with every request naming the player
  --only LIST          run only these categories (comma-separated)
  --concurrency N      copies sent at once by the concurrency checks (default ${DEFAULTS.copies}) and
                       requests in flight in the load check (default ${DEFAULTS.inFlight})
  --duration SECONDS   how long the load check runs (default ${DEFAULTS.loadSeconds})
  --json FILE          also write every check with its evidence as JSON
  --junit FILE         also write JUnit XML, for CI
  --help               show this text

Categories: ${CATEGORIES.join(', ')}

Exit code: 0 when no check failed, 1 when one did, 2 for a usage error (a bad flag, an
unreachable URL, a player missing or below ${MIN_BALANCE}).
`;

/** What the command line asks for: the run's options and where to write the reports. */
interface Command {
  readonly options: ConformOptions;
  readonly json: string | undefined;
  readonly junit: string | undefined;
}

/** Where the command writes: standard output and error unless told otherwise. */
export interface Output {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/**
 * `exwallet conform`: runs the checks, prints one line per check and the summary, writes the
 * JSON and JUnit reports asked for. Answers the exit code: 0 if nothing failed, 1 if a check
 * failed, 2 for a usage error (reported as one line on standard error).
 */
export async function main(argv: readonly string[], { out, err }: Output = { out: process.stdout, err: process.stderr }): Promise<number> {
  try {
    const command = parseCommand(argv);
    if (command === 'help') {
      out.write(HELP);
      return EXIT.ok;
    }
    // Both files are created before any request, so a path that cannot be written stops the run at once.
    for (const file of [command.json, command.junit]) if (file !== undefined) writeReport(file, '');
    let headerWritten = false;
    const report = await runConformance({
      ...command.options,
      onResult: (result) => {
        if (!headerWritten) out.write(header(command.options.url, command.options.key !== undefined));
        headerWritten = true;
        out.write(resultLines(result));
      },
    });
    out.write(summary(report));
    if (command.json !== undefined) writeReport(command.json, jsonReport(report));
    if (command.junit !== undefined) writeReport(command.junit, junitReport(report));
    return report.failed === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (!(error instanceof ConformUsageError)) throw error;
    err.write(`exwallet conform: ${error.message}\nTry exwallet conform --help.\n`);
    return EXIT.usage;
  }
}

function parseCommand(argv: readonly string[]): Command | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        url: { type: 'string' },
        users: { type: 'string' },
        key: { type: 'string' },
        tokens: { type: 'string' },
        only: { type: 'string' },
        concurrency: { type: 'string' },
        duration: { type: 'string' },
        json: { type: 'string' },
        junit: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new ConformUsageError((error as Error).message);
  }
  if (values.help === true) return 'help';
  if (values.url === undefined) throw new ConformUsageError('--url is required');
  if (values.users === undefined) throw new ConformUsageError('--users is required');
  const options: ConformOptions = {
    url: values.url,
    users: list(values.users),
    ...(values.key === undefined ? {} : { key: readKey(values.key) }),
    ...(values.tokens === undefined ? {} : { tokens: readTokens(values.tokens) }),
    ...(values.only === undefined ? {} : { only: list(values.only) as Category[] }),
    ...(values.concurrency === undefined ? {} : { concurrency: number('--concurrency', values.concurrency, /^\d+$/) }),
    ...(values.duration === undefined ? {} : { loadSeconds: number('--duration', values.duration, /^\d+(\.\d+)?$/) }),
  };
  return { options, json: values.json, junit: values.junit };
}

function list(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function number(flag: string, text: string, shape: RegExp): number {
  if (!shape.test(text)) throw new ConformUsageError(`${flag} must be a number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function readKey(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConformUsageError(`cannot read the key ${file}: ${(error as Error).message}`);
  }
}

/** The tokens file: a JSON object from player to token, e.g. `{"demo-1": "3hQ..."}`. */
function readTokens(file: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConformUsageError(`cannot read the tokens ${file}: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((token) => typeof token !== 'string' || token === '')) {
    throw new ConformUsageError(`--tokens ${file} must hold a JSON object from each player to a non-empty token string`);
  }
  return value as Record<string, string>;
}

function writeReport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new ConformUsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
}
