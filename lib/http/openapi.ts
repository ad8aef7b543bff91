import { Status } from '../types.js';
import { SIGNATURE_HEADER } from './signature.js';

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
function walletRoute(summary: string, request: string, signed: boolean): Json {
  return {
    post: {
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
  '/user/balance': walletRoute("The user's balance", 'BalanceRequest', true),
  '/transaction/bet': walletRoute("Takes amount from the user's balance", 'BetRequest', true),
  '/transaction/win': walletRoute('Pays amount for the bet named by reference_transaction_uuid', 'WinRequest', true),
  '/transaction/rollback': walletRoute('Cancels the bet named by reference_transaction_uuid', 'RollbackRequest', true),
};

const publicPaths: Json = {
  '/healthz': {
    get: {
      summary: 'Whether the store can commit',
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
          content: json({ type: 'object', required: ['status', 'store'], properties: { status: { const: 'unavailable' }, store: string, detail: string } }),
        },
      },
    },
  },
  '/openapi.json': {
    get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
  },
};

const adminPaths: Json = {
  '/admin/users': {
    post: {
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
  '/admin/deposit': walletRoute("A cashier's credit, idempotent by transaction_uuid like a bet", 'CashierRequest', false),
  '/admin/withdraw': walletRoute("A cashier's debit (RS_ERROR_NOT_ENOUGH_MONEY past the balance), idempotent like a bet", 'CashierRequest', false),
  '/admin/users/{user}/disable': toggleRoute(true),
  '/admin/users/{user}/enable': toggleRoute(false),
  '/metrics': {
    get: {
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
 * The OpenAPI 3.1 document of a server: the wallet routes, `/healthz` and itself, and with an
 * admin token the admin routes and `/metrics` (without one they do not exist).
 */
export function openApiDocument(options: { readonly admin: boolean }): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Exwallet',
      version: '1',
      description:
        "A seamless wallet speaking the Hub88 Operator wallet API. Wallet routes answer HTTP 200 with an RS_* status. Admin routes need 'Authorization: Bearer <admin token>'.",
    },
    paths: { ...walletPaths, ...publicPaths, ...(options.admin ? adminPaths : {}) },
    components: {
      schemas,
      ...(options.admin ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}
