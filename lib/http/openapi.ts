import { Status } from '../types.js';
import { SIGNATURE_HEADER } from './signature.js';
import { VERSION } from './version.js';

/** A JSON Schema / OpenAPI object, as plain data. */
type Json = { readonly [key: string]: unknown };

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const string: Json = { type: 'string' };
const amount: Json = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "In the currency's smallest unit" };

const schemas: Json = {
  Status: { type: 'string', enum: Object.values(Status), description: 'The wallet status; Hub88 reads it, the HTTP code is 200' },
  BalanceRequest: {
    type: 'object',
    required: ['user', 'request_uuid'],
    properties: { user: string, request_uuid: string, token: string, game_code: string, meta: {} },
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
      token: string,
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
    properties: { error: string, index: { type: 'integer', description: 'The refused item of a users list' } },
  },
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
    paths: { ...walletPaths, ...publicPaths, ...(options.admin ? adminPaths : {}), ...(options.metrics === true ? metricsPaths : {}) },
    components: {
      schemas,
      ...(bearer ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}
