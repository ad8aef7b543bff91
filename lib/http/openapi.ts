import { Status } from '../types.js';
import { SIGNATURE_HEADER } from './signature.js';
import { VERSION } from './version.js';

/** A JSON Schema / OpenAPI object, as plain data. */
type Json = { readonly [key: string]: unknown };

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const string: Json = { type: 'string' };
const amount: Json = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "In the currency's smallest unit" };
const LIMIT_NAMES = ['wager_day', 'wager_week', 'wager_month', 'loss_day', 'loss_week', 'loss_month'] as const;
const limitOf = (schema: (name: string) => Json): Json => Object.fromEntries(LIMIT_NAMES.map((name) => [name, schema(name)]));
const isoTime: Json = { type: 'string', format: 'date-time', description: 'ISO-8601 UTC, such as 2026-12-04T20:00:00.000Z' };
const day: Json = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' };
const short: Json = { type: 'string', maxLength: 64 };

const schemas: Json = {
  Status: { type: 'string', enum: Object.values(Status), description: 'The wallet status; Hub88 reads it, the HTTP code is 200' },
  BalanceRequest: {
    type: 'object',
    required: ['user', 'request_uuid'],
    properties: { user: string, request_uuid: string, token: ref('Token'), game_code: string, meta: {} },
    additionalProperties: true,
  },
  BetRequest: {
    type: 'object',
    required: ['user', 'request_uuid', 'transaction_uuid', 'currency', 'amount'],
    properties: {
      user: string,
      request_uuid: string,
      transaction_uuid: string,
      currency: string,
      amount,
      round: string,
      round_closed: { type: 'boolean' },
      is_free: { type: 'boolean', description: 'A free bet: counts in no limit, nor does the win that pays it' },
      token: ref('Token'),
      game_code: string,
      meta: {},
    },
    additionalProperties: true,
  },
  WinRequest: {
    allOf: [ref('BetRequest'), { type: 'object', required: ['reference_transaction_uuid'], properties: { reference_transaction_uuid: string } }],
  },
  RollbackRequest: {
    type: 'object',
    required: ['user', 'request_uuid', 'transaction_uuid', 'reference_transaction_uuid'],
    properties: { user: string, request_uuid: string, transaction_uuid: string, reference_transaction_uuid: string, round: string, round_closed: { type: 'boolean' } },
    additionalProperties: true,
  },
  CashierRequest: {
    type: 'object',
    required: ['user', 'request_uuid', 'transaction_uuid', 'currency', 'amount'],
    properties: { user: string, request_uuid: string, transaction_uuid: string, currency: string, amount },
    additionalProperties: true,
  },
  WalletResponse: {
    type: 'object',
    required: ['user', 'status', 'request_uuid'],
    properties: {
      user: string,
      status: ref('Status'),
      request_uuid: string,
      currency: { type: 'string', description: 'Absent when the body names no known user' },
      balance: { ...amount, description: 'The balance after the request; absent when the body names no known user' },
    },
  },
  NewUser: {
    oneOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        required: ['user'],
        properties: {
          user: { type: 'string', minLength: 1 },
          currency: { type: 'string', pattern: '^[A-Z]{3}$', description: "Default: the engine's currency" },
          balance: { ...amount, description: "Default: the engine's initial balance" },
        },
      },
    ],
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: string,
      index: { type: 'integer', description: 'The refused item of a users list' },
      field: { type: 'string', description: 'The field out of its shape, as the body names it (ttl_seconds, tags[3], wager_day ...)' },
      parameter: { type: 'string', description: 'The query parameter out of its shape (from, kind, cursor ...)' },
    },
  },
  ...playerSchemas(),
  ...backOfficeSchemas(),
};

const errorReply = (description: string): Json => ({ description, content: json(ref('Error')) });

/** A wallet route: any body (bad JSON is a status too), answered HTTP 200 with a wallet response. */
function walletRoute(operationId: string, summary: string, request: string, signed: boolean): Json {
  return {
    post: {
      operationId,
      summary,
      ...(signed
        ? { parameters: [{ name: SIGNATURE_HEADER, in: 'header', required: false, schema: string, description: "Base64 RSA-SHA256 signature of the raw body with Hub88's key; required unless verification is off" }] }
        : { security: [{ bearer: [] }] }),
      requestBody: { required: true, content: json(ref(request)) },
      responses: {
        '200': {
          description: 'The wallet response, errors included (RS_ERROR_WRONG_SYNTAX for a body that is not JSON)',
          ...(signed ? { headers: { [SIGNATURE_HEADER]: { description: "Signature of the response body with the operator's key, when one is configured", schema: string } } } : {}),
          content: json(ref('WalletResponse')),
        },
        ...(signed ? {} : { '400': errorReply('The body is not JSON'), '401': errorReply('Missing or wrong bearer token') }),
        '413': { description: 'The body is over the limit' },
      },
    },
  };
}

function toggleRoute(disabled: boolean): Json {
  return {
    post: {
      operationId: disabled ? 'disableUser' : 'enableUser',
      summary: disabled ? "Disables a user: new bets get RS_ERROR_USER_DISABLED, everything else is served" : 'Enables a user again',
      security: [{ bearer: [] }],
      parameters: [{ name: 'user', in: 'path', required: true, schema: string }],
      responses: {
        '200': {
          description: 'The change is kept as the store keeps transactions',
          content: json({ type: 'object', required: ['user', 'disabled'], properties: { user: string, disabled: { type: 'boolean', const: disabled } } }),
        },
        '401': errorReply('Missing or wrong bearer token'),
        '404': errorReply('No such user'),
        '503': errorReply('The store cannot commit'),
      },
    },
  };
}

const walletPaths: Json = {
  '/user/balance': walletRoute('balance', "The user's balance", 'BalanceRequest', true),
  '/transaction/bet': walletRoute('bet', "Takes amount from the user's balance", 'BetRequest', true),
  '/transaction/win': walletRoute('win', 'Pays amount for the bet named by reference_transaction_uuid', 'WinRequest', true),
  '/transaction/rollback': walletRoute('rollback', 'Cancels the bet named by reference_transaction_uuid', 'RollbackRequest', true),
  '/user/info': {
    post: {
      ...(walletRoute('userInfo', "The player's information (country, jurisdiction, tags ...); records nothing, checks no token", 'UserInfoRequest', true).post as Json),
      responses: {
        '200': {
          description: 'The answer, errors included (RS_ERROR_WRONG_SYNTAX for a body that is not JSON), signed like the wallet routes',
          headers: { [SIGNATURE_HEADER]: { description: "Signature of the response body with the operator's key, when one is configured", schema: string } },
          content: json(ref('UserInfoResponse')),
        },
        '413': { description: 'The body is over the limit' },
      },
    },
  },
};

const probeStatus = (status: string): Json => json({ type: 'object', required: ['status'], properties: { status: { const: status } } });

const publicPaths: Json = {
  '/livez': {
    get: {
      operationId: 'live',
      summary: 'Liveness: the process serves HTTP (200 through a database outage, which a restart would not cure)',
      responses: { '200': { description: 'Serving', content: probeStatus('ok') }, '503': { description: 'Stopping', content: probeStatus('stopping') } },
    },
  },
  '/readyz': {
    get: {
      operationId: 'ready',
      summary: 'Readiness: the store can commit. The reason it cannot goes to the log, never to the caller',
      responses: {
        '200': { description: 'Ready', content: json({ type: 'object', required: ['status', 'store'], properties: { status: { const: 'ok' }, store: { enum: ['memory', 'postgres'] } } }) },
        '503': {
          description: 'The store cannot commit (a failed journal write, an unreachable database), or the service is stopping',
          content: json({ type: 'object', required: ['status'], properties: { status: { enum: ['unavailable', 'stopping'] }, store: string } }),
        },
      },
    },
  },
  '/healthz': {
    get: {
      operationId: 'health',
      summary: 'Whether the store can commit (kept for existing checks; /livez and /readyz are the probes)',
      responses: {
        '200': {
          description: 'Serving. The counts are given by the embedded store only (with PostgreSQL they are on /metrics)',
          content: json({
            type: 'object',
            required: ['status', 'store'],
            properties: { status: { const: 'ok' }, store: { enum: ['memory', 'postgres'] }, users: { type: 'integer' }, transactions: { type: 'integer' } },
          }),
        },
        '503': {
          description: 'The store cannot commit (a failed journal write, an unreachable database)',
          content: json({ type: 'object', required: ['status', 'store'], properties: { status: { const: 'unavailable' }, store: string } }),
        },
      },
    },
  },
  '/openapi.json': {
    get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
  },
};

const adminPaths: Json = {
  '/admin/users': {
    post: {
      operationId: 'createUsers',
      summary: "Creates users; an existing user is never changed. Every item is checked first: one invalid item refuses the list",
      security: [{ bearer: [] }],
      requestBody: {
        required: true,
        content: json({ type: 'object', required: ['users'], properties: { users: { type: 'array', items: ref('NewUser') } } }),
      },
      responses: {
        '200': {
          description: 'Users created, and users stored in all',
          content: json({ type: 'object', required: ['created', 'users'], properties: { created: { type: 'integer' }, users: { type: 'integer' } } }),
        },
        '400': errorReply('Not JSON, no users list, or an invalid item (its index is given)'),
        '401': errorReply('Missing or wrong bearer token'),
        '503': errorReply('The store cannot commit'),
      },
    },
  },
  '/admin/deposit': walletRoute('deposit', "A cashier's credit, idempotent by transaction_uuid like a bet", 'CashierRequest', false),
  '/admin/withdraw': walletRoute('withdraw', "A cashier's debit (RS_ERROR_NOT_ENOUGH_MONEY past the balance), idempotent like a bet", 'CashierRequest', false),
  '/admin/users/{user}/disable': toggleRoute(true),
  '/admin/users/{user}/enable': toggleRoute(false),
};


/** The schemas of sessions, player information and limits (SPEC 10-12). */
function playerSchemas(): Json {
  const limitValue: Json = { oneOf: [amount, { type: 'null' }], description: "In the user's currency units; null: no limit" };
  const info = {
    country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' },
    jurisdiction: short,
    sub_partner_id: short,
    birth_date: day,
    registration_date: day,
    tags: { type: 'array', maxItems: 32, items: short },
    sex: { enum: ['MALE', 'FEMALE'] },
    affiliate_id: short,
  };
  return {
    Token: {
      type: 'string',
      description: 'The token of a session the operator opened (POST /admin/sessions). Checked on bets and balance calls only when tokens are required (--require-token): RS_ERROR_INVALID_TOKEN when missing, unknown, closed or of another user, RS_ERROR_TOKEN_EXPIRED past its expires_at. Wins and rollbacks never check it',
    },
    SessionRequest: {
      type: 'object',
      required: ['user'],
      properties: {
        user: string,
        game_code: { type: 'string', maxLength: 255, description: 'Informational: Hub88 may change games within a session' },
        ttl_seconds: { type: 'integer', minimum: 60, maximum: 604_800, default: 14_400 },
      },
    },
    Session: {
      type: 'object',
      required: ['token', 'user', 'currency', 'expires_at'],
      properties: {
        token: { type: 'string', pattern: '^[A-Za-z0-9_-]{32,64}$', description: 'From a cryptographic source; Hub88 sends it back as token' },
        user: string,
        currency: string,
        game_code: string,
        expires_at: isoTime,
      },
    },
    UserInfo: { type: 'object', properties: info, additionalProperties: false, description: 'Every field optional; PUT replaces the whole object' },
    UserInfoRequest: { type: 'object', required: ['user', 'request_uuid'], properties: { user: string, request_uuid: string }, additionalProperties: true },
    UserInfoResponse: {
      type: 'object',
      required: ['user', 'status', 'request_uuid'],
      properties: { user: string, status: ref('Status'), request_uuid: string, ...info },
      description: 'RS_OK with the info fields that are set, in this order; RS_ERROR_WRONG_SYNTAX or RS_ERROR_UNKNOWN with user and request_uuid only',
    },
    LimitsUpdate: {
      type: 'object',
      properties: limitOf(() => limitValue),
      additionalProperties: false,
      description: 'Any of the six. A lower or first limit applies at once; a higher one or null waits 24 hours (a new raise restarts the wait)',
    },
    LimitsReport: {
      type: 'object',
      required: ['user', 'limits', 'pending', 'usage'],
      properties: {
        user: string,
        limits: { type: 'object', required: [...LIMIT_NAMES], properties: limitOf(() => limitValue), description: 'The six limits in force now' },
        pending: {
          type: 'object',
          properties: limitOf(() => ({ type: 'object', required: ['value', 'applies_at'], properties: { value: limitValue, applies_at: isoTime } })),
          description: 'Raises waiting out their 24 hours',
        },
        usage: {
          type: 'object',
          required: [...LIMIT_NAMES],
          properties: limitOf((name) => ({
            type: 'integer',
            description: `The ${name.replace('_', ' of the current UTC ').replace('week', 'ISO week')}${name.startsWith('loss') ? ': its wager less the wins paid in it, so possibly negative' : ''}`,
          })),
        },
      },
    },
  };
}

const userParameter: Json = { name: 'user', in: 'path', required: true, schema: string };
const adminRefusals: Json = { '401': errorReply('Missing or wrong bearer token'), '503': errorReply('The store cannot commit') };

/** The operator's routes for sessions, player information and limits (admin token). */
const playerPaths: Json = {
  '/admin/sessions': {
    post: {
      operationId: 'openSession',
      summary: 'Opens a session when a player launches a game; its token is valid until expires_at',
      security: [{ bearer: [] }],
      requestBody: { required: true, content: json(ref('SessionRequest')) },
      responses: {
        '201': { description: 'The session, stored as transactions are', content: json(ref('Session')) },
        '400': errorReply('Not a JSON object, or a field out of its shape (named in field)'),
        '404': errorReply('No such user'),
        ...adminRefusals,
      },
    },
  },
  '/admin/sessions/{token}': {
    delete: {
      operationId: 'closeSession',
      summary: 'Closes a session: its token stops being valid',
      security: [{ bearer: [] }],
      parameters: [{ name: 'token', in: 'path', required: true, schema: string }],
      responses: { '204': { description: 'Closed' }, '404': errorReply('No open session with this token'), ...adminRefusals },
    },
  },
  '/admin/users/{user}/info': {
    put: {
      operationId: 'setUserInfo',
      summary: "Replaces the player's information that POST /user/info answers",
      security: [{ bearer: [] }],
      parameters: [userParameter],
      requestBody: { required: true, content: json(ref('UserInfo')) },
      responses: {
        '200': { description: 'The information now stored', content: json(ref('UserInfo')) },
        '400': errorReply('Not a JSON object, or a field out of its shape (named in field); nothing changed'),
        '404': errorReply('No such user'),
        ...adminRefusals,
      },
    },
  },
  '/admin/users/{user}/limits': {
    put: {
      operationId: 'setLimits',
      summary: 'Sets responsible-gambling limits: bets past one get RS_ERROR_LIMIT_REACHED',
      security: [{ bearer: [] }],
      parameters: [userParameter],
      requestBody: { required: true, content: json(ref('LimitsUpdate')) },
      responses: {
        '200': { description: 'The limits after the change', content: json(ref('LimitsReport')) },
        '400': errorReply('Not a JSON object, or a field out of its shape (named in field); nothing changed'),
        '404': errorReply('No such user'),
        ...adminRefusals,
      },
    },
    get: {
      operationId: 'getLimits',
      summary: "The limits in force, the raises waiting and the current periods' wager and loss",
      security: [{ bearer: [] }],
      parameters: [userParameter],
      responses: { '200': { description: 'The limits report', content: json(ref('LimitsReport')) }, '404': errorReply('No such user'), ...adminRefusals },
    },
  },
};

/** The schemas of the back office's answers (SPEC 13). */
function backOfficeSchemas(): Json {
  const countAmount: Json = { type: 'object', required: ['count', 'amount'], properties: { count: { type: 'integer' }, amount: { type: 'integer' } } };
  const roundTotals = {
    round: string,
    user: string,
    status: { enum: ['open', 'closed'], description: 'closed once one of its transactions carried round_closed: true' },
    bet_amount: { type: 'integer' },
    win_amount: { type: 'integer' },
    refunded_amount: { type: 'integer' },
    first_at: isoTime,
    last_at: isoTime,
  };
  const nextCursor: Json = { type: ['string', 'null'], description: 'Pass it as cursor for the next page; null on the last page' };
  return {
    TransactionRecord: {
      type: 'object',
      required: ['transaction_uuid', 'kind', 'user', 'amount', 'currency', 'balance', 'reference_transaction_uuid', 'round', 'round_closed', 'game_code', 'is_free', 'request_uuid', 'created_at'],
      properties: {
        transaction_uuid: string,
        kind: { enum: ['bet', 'win', 'rollback', 'deposit', 'withdraw'] },
        user: string,
        amount: { ...amount, description: 'The money it moved; a rollback: the amount it refunded, 0 if none' },
        currency: string,
        balance: { ...amount, description: "The user's balance after it" },
        reference_transaction_uuid: { type: ['string', 'null'] },
        round: { type: ['string', 'null'] },
        round_closed: { type: 'boolean' },
        game_code: { type: ['string', 'null'] },
        is_free: { type: 'boolean' },
        request_uuid: string,
        created_at: isoTime,
        state: { enum: ['open', 'won', 'cancelled'], description: 'Bets only' },
      },
    },
    TransactionPage: { type: 'object', required: ['items', 'next_cursor'], properties: { items: { type: 'array', items: ref('TransactionRecord') }, next_cursor: nextCursor } },
    RoundSummary: {
      type: 'object',
      required: [...Object.keys(roundTotals), 'transactions'],
      properties: { ...roundTotals, transactions: { type: 'array', items: ref('TransactionRecord'), description: 'Oldest first' } },
    },
    StuckRoundPage: {
      type: 'object',
      required: ['items', 'next_cursor'],
      properties: {
        items: { type: 'array', items: { type: 'object', required: [...Object.keys(roundTotals), 'currency'], properties: { ...roundTotals, currency: string } } },
        next_cursor: nextCursor,
      },
    },
    DailyReport: {
      type: 'object',
      required: ['date', 'currencies'],
      properties: {
        date: day,
        currencies: {
          type: 'array',
          items: {
            type: 'object',
            required: ['currency', 'bets', 'wins', 'refunds', 'deposits', 'withdrawals', 'free_bets', 'ggr'],
            properties: {
              currency: string,
              bets: countAmount,
              wins: countAmount,
              refunds: countAmount,
              deposits: countAmount,
              withdrawals: countAmount,
              free_bets: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
              ggr: { type: 'integer', description: 'bets.amount - refunds.amount - wins.amount' },
            },
          },
        },
      },
    },
    ReconcileResult: {
      type: 'object',
      required: ['matched', 'missing_in_wallet', 'missing_in_file', 'mismatched'],
      properties: {
        matched: { type: 'integer' },
        missing_in_wallet: { type: 'array', items: string, description: "Ids of the file the wallet has no record of, in the file's order" },
        missing_in_file: { type: 'array', items: string, description: 'Ids the wallet recorded in the window that the file lacks, oldest first' },
        mismatched: {
          type: 'array',
          items: {
            type: 'object',
            required: ['transaction_uuid', 'differences'],
            properties: {
              transaction_uuid: string,
              differences: {
                type: 'array',
                items: { type: 'object', required: ['field', 'wallet', 'file'], properties: { field: { enum: ['kind', 'user', 'amount', 'currency'] }, wallet: {}, file: {} } },
              },
            },
          },
        },
      },
    },
  };
}

const query = (name: string, description: string, schema: Json = string): Json => ({ name, in: 'query', required: false, schema, description });
const timeQuery = (name: string, description: string): Json => query(name, `${description}: ISO-8601, YYYY-MM-DD (UTC midnight) or milliseconds since the epoch`);
const pageQueries: Json[] = [query('limit', 'Items per page, 1 to 1000; default 100', { type: 'integer', minimum: 1, maximum: 1000 }), query('cursor', 'The next_cursor of the page before')];
const historyQueries: Json[] = [
  timeQuery('from', 'Created at or after'),
  timeQuery('to', 'Created before'),
  query('kind', 'Only this kind', { enum: ['bet', 'win', 'rollback', 'deposit', 'withdraw'] }),
  query('round', 'Only this round'),
];
const csv = (description: string): Json => ({ description, content: { 'text/csv': { schema: string } } });
const queryRefusal = errorReply('A query parameter out of its shape (named in parameter)');
const notFound = (what: string): Json => errorReply(`No such ${what}`);
const backOffice = (operationId: string, summary: string, parameters: Json[], responses: Json): Json => ({
  get: { operationId, summary, security: [{ bearer: [] }], parameters, responses: { ...responses, '401': errorReply('Missing or wrong bearer token') } },
});

/** The back office's routes (admin token; the page itself holds no secret). */
const backOfficePaths: Json = {
  '/admin/transactions/{transaction_uuid}': backOffice('getTransaction', 'One recorded transaction', [{ name: 'transaction_uuid', in: 'path', required: true, schema: string }], {
    '200': { description: 'The record', content: json(ref('TransactionRecord')) },
    '404': notFound('transaction (never recorded, or dropped by retention)'),
  }),
  '/admin/users/{user}/transactions': backOffice('userHistory', "A user's transactions, newest first, a page at a time", [userParameter, ...historyQueries, ...pageQueries], {
    '200': { description: 'A page', content: json(ref('TransactionPage')) },
    '400': queryRefusal,
    '404': notFound('user'),
  }),
  '/admin/users/{user}/transactions.csv': backOffice('userHistoryCsv', "A user's whole history as CSV, newest first", [userParameter, ...historyQueries], {
    '200': csv('RFC 4180, a header row naming the columns of TransactionRecord'),
    '400': queryRefusal,
    '404': notFound('user'),
  }),
  '/admin/rounds/{round}': backOffice('getRound', "A round's totals and transactions", [{ name: 'round', in: 'path', required: true, schema: string }, query('user', 'The user, when several played a round of this value')], {
    '200': { description: 'The round', content: json(ref('RoundSummary')) },
    '400': errorReply('Several users played a round of this value (name one with user), or a bad parameter'),
    '404': notFound('round'),
  }),
  '/admin/rounds': backOffice(
    'stuckRounds',
    'Open rounds idle for at least idle_minutes, longest idle first',
    [query('status', 'Only open rounds are listed', { const: 'open' }), query('idle_minutes', 'Default 60', { type: 'integer', minimum: 0 }), ...pageQueries],
    { '200': { description: 'A page', content: json(ref('StuckRoundPage')) }, '400': queryRefusal },
  ),
  '/admin/reports/daily': backOffice('dailyReport', "A UTC day's totals per currency", [{ name: 'date', in: 'query', required: true, schema: day }], {
    '200': { description: 'The report', content: json(ref('DailyReport')) },
    '400': queryRefusal,
  }),
  '/admin/reports/transactions.csv': backOffice('transactionsCsv', 'Every transaction created in [from, to) as CSV, oldest first', [timeQuery('from', 'Created at or after'), timeQuery('to', 'Created before')], {
    '200': csv('RFC 4180, a header row naming the columns of TransactionRecord'),
    '400': queryRefusal,
  }),
  '/admin/reconcile': {
    post: {
      operationId: 'reconcile',
      summary: "Compares the wallet's records with an aggregator's CSV",
      security: [{ bearer: [] }],
      parameters: [timeQuery('from', "The wallet's records compared: created at or after"), timeQuery('to', 'Created before')],
      requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string', description: 'A header row naming at least transaction_uuid, kind, user, amount and currency; other columns ignored' } } } },
      responses: {
        '200': { description: 'Ids missing on either side and ids whose fields differ', content: json(ref('ReconcileResult')) },
        '400': errorReply('Not CSV, or a required column missing (parameter file), or a bad parameter'),
        '401': errorReply('Missing or wrong bearer token'),
        '413': { description: 'The file is over 64 MiB' },
      },
    },
  },
  '/admin/ui': {
    get: { operationId: 'backOfficePage', summary: 'The support page; it holds no secret and asks for the admin token', responses: { '200': { description: 'HTML', content: { 'text/html': { schema: string } } } } },
  },
  '/admin/ui/{file}': {
    get: {
      operationId: 'backOfficeFile',
      summary: "The support page's script and style",
      parameters: [{ name: 'file', in: 'path', required: true, schema: { enum: ['app.js', 'style.css'] } }],
      responses: { '200': { description: 'The file', content: { 'text/javascript': { schema: string }, 'text/css': { schema: string } } }, '404': notFound('file') },
    },
  },
};

const metricsPaths: Json = {
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics: requests, latency, store commits, users, transactions, heap and event-loop lag',
      security: [{ bearer: [] }],
      responses: {
        '200': { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: string } } },
        '401': errorReply('Missing or wrong bearer token'),
      },
    },
  },
};

/**
 * The OpenAPI 3.1 document of a server: the wallet routes, the probes and itself, with an admin
 * token the admin routes and with a metrics token `/metrics` (without its token a route does
 * not exist). Every operation has an `operationId`; `info.version` is the package's version.
 */
export function openApiDocument(options: { readonly admin: boolean; readonly metrics?: boolean }): Json {
  const bearer = options.admin || options.metrics === true;
  return {
    openapi: '3.1.0',
    info: {
      title: 'Exwallet',
      version: VERSION,
      description:
        "A seamless wallet speaking the Hub88 Operator wallet API. Wallet routes answer HTTP 200 with an RS_* status. Admin routes need 'Authorization: Bearer <admin token>', /metrics 'Authorization: Bearer <metrics token>'.",
    },
    paths: { ...walletPaths, ...publicPaths, ...(options.admin ? { ...adminPaths, ...playerPaths, ...backOfficePaths } : {}), ...(options.metrics === true ? metricsPaths : {}) },
    components: {
      schemas,
      ...(bearer ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}
