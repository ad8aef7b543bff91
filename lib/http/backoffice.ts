/**
 * The back office over HTTP (SPEC 13), behind the admin token: look up a transaction, a user's
 * history (JSON pages or CSV), a round, stuck rounds, a day's report, every transaction of a
 * period as CSV, reconciliation with an aggregator's CSV; and `GET /admin/ui`, the support page
 * (static files with no secret: the token is pasted into the page, which sends it with each call).
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import type { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import { BadCursorError, QueryError, type Wallet } from '../index.js';
import { parseHistoryQuery, parseTime, type RawQuery } from '../backoffice/common.js';
import type { ReconcileResult, TransactionRecord } from '../backoffice/types.js';
import { rawBody } from './body.js';

/** The CSV columns of a transaction record, in this order (the header row names them). */
export const CSV_COLUMNS = ['transaction_uuid', 'kind', 'user', 'amount', 'currency', 'balance', 'reference_transaction_uuid', 'round', 'round_closed', 'game_code', 'is_free', 'state', 'request_uuid', 'created_at'] as const;

/** Largest reconciliation file accepted: 64 MiB (about 400,000 rows of Hub88's export). */
const RECONCILE_BODY_LIMIT = 64 * 2 ** 20;

/** The columns a reconciliation file must name (SPEC 13). */
export const RECONCILE_COLUMNS = ['transaction_uuid', 'kind', 'user', 'amount', 'currency'] as const;

/** Reads an aggregator's CSV (header row, RFC 4180); throws a `QueryError` (parameter `file`) if it cannot be read or lacks a column. */
export function parseReconcileCsv(text: string | Buffer): Array<Record<string, string>> {
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true, relax_column_count: false }) as Array<Record<string, string>>;
  } catch (error) {
    throw new QueryError('file', `not CSV: ${(error as Error).message}`);
  }
  const first = rows[0];
  if (first !== undefined) {
    const missing = RECONCILE_COLUMNS.filter((column) => !(column in first));
    if (missing.length > 0) throw new QueryError('file', `the header row lacks ${missing.join(', ')}`);
  }
  return rows;
}

/** Whether a reconciliation found every record on both sides, alike. */
export function reconciled(result: ReconcileResult): boolean {
  return result.missing_in_wallet.length === 0 && result.missing_in_file.length === 0 && result.mismatched.length === 0;
}

function csvRow(record: TransactionRecord): unknown[] {
  return CSV_COLUMNS.map((column) => {
    const value = record[column];
    return value === null || value === undefined ? '' : value;
  });
}

/** Streams records as CSV (RFC 4180: CRLF line ends, quoted where needed) with a header row. */
function sendCsv(reply: FastifyReply, filename: string, records: AsyncIterable<TransactionRecord>): FastifyReply {
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows', cast: { boolean: (value) => (value ? 'true' : 'false') } });
  const source = Readable.from(
    (async function* () {
      for await (const record of records) yield csvRow(record);
    })(),
  );
  source.on('error', (error) => csv.destroy(error));
  source.pipe(csv);
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv);
}

/** Every page of a user's history, newest first, one record at a time. */
async function* wholeHistory(wallet: Wallet, user: string, query: RawQuery): AsyncIterable<TransactionRecord> {
  let cursor: string | undefined;
  do {
    const page = await wallet.history(user, { ...query, limit: 1_000, ...(cursor === undefined ? {} : { cursor }) });
    if (page === undefined) return;
    yield* page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

function badRequest(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof QueryError) return reply.code(400).send({ error: error.message, parameter: error.parameter });
  if (error instanceof BadCursorError) return reply.code(400).send({ error: `cursor: ${error.message}`, parameter: 'cursor' });
  throw error;
}

const UI_FILES: Readonly<Record<string, string>> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'style.css': 'text/css; charset=utf-8' };

/** The page's files: beside the sources (lib/backoffice/ui), which the package ships too. */
async function uiFile(name: string): Promise<Buffer> {
  const places = [new URL(`../backoffice/ui/${name}`, import.meta.url), new URL(`../../lib/backoffice/ui/${name}`, import.meta.url)];
  for (const place of places) {
    try {
      return await readFile(place);
    } catch {
      // the next place
    }
  }
  throw new Error(`the back-office page's ${name} is missing`);
}

/** Registers the back-office routes, each JSON route behind `guard`. */
export function registerBackOfficeRoutes(app: FastifyInstance, wallet: Wallet, guard: preHandlerHookHandler): void {
  app.get<{ Params: { transaction_uuid: string } }>('/admin/transactions/:transaction_uuid', { preHandler: guard }, async (request, reply) => {
    const record = await wallet.transaction(request.params.transaction_uuid);
    return record === undefined ? reply.code(404).send({ error: `no transaction ${JSON.stringify(request.params.transaction_uuid)}` }) : record;
  });

  app.get<{ Params: { user: string }; Querystring: RawQuery }>('/admin/users/:user/transactions', { preHandler: guard }, async (request, reply) => {
    try {
      const page = await wallet.history(request.params.user, request.query);
      return page === undefined ? reply.code(404).send({ error: `no user ${JSON.stringify(request.params.user)}` }) : page;
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  app.get<{ Params: { user: string }; Querystring: RawQuery }>('/admin/users/:user/transactions.csv', { preHandler: guard }, async (request, reply) => {
    const { user } = request.params;
    try {
      const { limit: _limit, cursor: _cursor, ...query } = request.query;
      parseHistoryQuery(query);
      const first = await wallet.history(user, { ...query, limit: 1 });
      if (first === undefined) return reply.code(404).send({ error: `no user ${JSON.stringify(user)}` });
      return sendCsv(reply, 'transactions.csv', wholeHistory(wallet, user, query));
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  app.get<{ Params: { round: string }; Querystring: RawQuery }>('/admin/rounds/:round', { preHandler: guard }, async (request, reply) => {
    const { user } = request.query;
    try {
      if (user !== undefined && typeof user !== 'string') throw new QueryError('user', 'expected a user name');
      const summary = await wallet.round(request.params.round, user);
      return summary === undefined ? reply.code(404).send({ error: `no round ${JSON.stringify(request.params.round)}` }) : summary;
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  app.get<{ Querystring: RawQuery }>('/admin/rounds', { preHandler: guard }, async (request, reply) => {
    try {
      return await wallet.stuckRounds(request.query);
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  app.get<{ Querystring: RawQuery }>('/admin/reports/daily', { preHandler: guard }, async (request, reply) => {
    try {
      return await wallet.dailyReport(request.query.date as string);
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  app.get<{ Querystring: RawQuery }>('/admin/reports/transactions.csv', { preHandler: guard }, async (request, reply) => {
    try {
      const from = parseTime('from', request.query.from);
      const to = parseTime('to', request.query.to);
      if (from !== undefined && to !== undefined && to < from) throw new QueryError('to', 'is before from');
      return sendCsv(reply, 'transactions.csv', wallet.transactionsBetween(from, to));
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  app.post<{ Querystring: RawQuery }>('/admin/reconcile', { preHandler: guard, bodyLimit: RECONCILE_BODY_LIMIT }, async (request, reply) => {
    try {
      const rows = parseReconcileCsv(rawBody(request));
      const from = parseTime('from', request.query.from);
      const to = parseTime('to', request.query.to);
      return await wallet.reconcile(rows, { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
    } catch (error) {
      return badRequest(reply, error);
    }
  });

  // The page: no token needed to load it (it holds none); every call it makes carries the one pasted into it.
  app.get('/admin/ui', async (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .header('referrer-policy', 'no-referrer')
      .type(UI_FILES['index.html'] as string)
      .send(await uiFile('index.html')));
  app.get<{ Params: { file: string } }>('/admin/ui/:file', async (request, reply) => {
    const type = UI_FILES[request.params.file];
    if (type === undefined || request.params.file === 'index.html') return reply.code(404).send({ error: 'no such file' });
    return reply.header('cache-control', 'no-store').type(type).send(await uiFile(request.params.file));
  });
}

/** What `exwallet reconcile` takes besides the store flags: the file, and the window compared. */
export interface ReconcileArguments {
  readonly file: string;
  readonly window: { readonly from?: number; readonly to?: number };
  /** The other arguments: the store flags, read as the service reads them. */
  readonly rest: string[];
}

export const RECONCILE_HELP = `Usage: exwallet reconcile --file FILE [--from TIME] [--to TIME] [store flags]

Compares the wallet's records with an aggregator's CSV file (a header row naming at least
transaction_uuid, kind, user, amount and currency) and prints
{ matched, missing_in_wallet, missing_in_file, mismatched } as JSON.
The wallet's side is its records created from --from to before --to (ISO-8601 or ms); without
them, the UTC days the file's created_at column spans, or every record.
Store flags as for the service: --data-dir DIR (the journal; not while a service holds it),
--database-url URL, --in-memory. Exit status: 0 when everything matches, 1 when anything
differs or the comparison failed, 2 for bad usage.
`;

/** Splits `exwallet reconcile`'s arguments; throws a `QueryError` for a missing or repeated flag. */
export function reconcileArguments(argv: readonly string[]): ReconcileArguments {
  let file: string | undefined;
  let from: number | undefined;
  let to: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag !== '--file' && flag !== '--from' && flag !== '--to') {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[(i += 1)];
    if (value === undefined || value === '') throw new QueryError(flag.slice(2), 'needs a value');
    if (flag === '--file') {
      if (file !== undefined) throw new QueryError('file', 'is given twice');
      file = value;
    } else if (flag === '--from') from = parseTime('from', value);
    else to = parseTime('to', value);
  }
  if (file === undefined) throw new QueryError('file', 'is required: --file FILE');
  return { file, window: { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }, rest };
}
