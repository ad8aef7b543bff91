import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { Status } from '../../../lib/index.js';
import { openApiDocument } from '../../../lib/http/openapi.js';
import { service } from '../../support/http.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
}

/**
 * Every route the server registers, as `METHOD /path/{param}`, read from fastify's route tree
 * (`printRoutes`). HEAD routes fastify adds by itself for each GET are left out.
 */
function registeredRoutes(server: FastifyInstance): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

function documentedRoutes(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** Every `$ref` anywhere in the document. */
function refs(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : refs(inner)));
}

describe('GET /openapi.json describes exactly the routes the server registers', () => {
  it.each([
    ['with an admin and a metrics token', {}],
    ['without an admin token', { adminToken: undefined as never }],
    ['without a metrics token', { metricsToken: undefined as never }],
  ])('matches the registered routes %s', async (_what, options) => {
    const ready = await service(options);
    app = ready.app;
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const document = response.json<Document>();
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    expect(documentedRoutes(document)).toEqual(routes);
    for (const route of routes) {
      const [method, path] = route.split(' ') as [HTTPMethods, string];
      expect(app.hasRoute({ method, url: path.replace(/\{(\w+)\}/g, ':$1') })).toBe(true);
    }
  });

  it('lists the admin routes with an admin token and /metrics with a metrics token, each only when it exists', () => {
    const paths = (admin: boolean, metrics: boolean): string[] => Object.keys(openApiDocument({ admin, metrics }).paths as object).filter((path) => path.startsWith('/admin') || path === '/metrics');
    expect(paths(true, false)).toEqual([
      '/admin/users',
      '/admin/deposit',
      '/admin/withdraw',
      '/admin/users/{user}/disable',
      '/admin/users/{user}/enable',
      '/admin/sessions',
      '/admin/sessions/{token}',
      '/admin/users/{user}/info',
      '/admin/users/{user}/limits',
      '/admin/transactions/{transaction_uuid}',
      '/admin/users/{user}/transactions',
      '/admin/users/{user}/transactions.csv',
      '/admin/rounds/{round}',
      '/admin/rounds',
      '/admin/reports/daily',
      '/admin/reports/transactions.csv',
      '/admin/reconcile',
      '/admin/ui',
      '/admin/ui/{file}',
    ]);
    expect(paths(false, true)).toEqual(['/metrics']);
    expect(paths(false, false)).toEqual([]);
  });
});

describe('the document has the shape of OpenAPI 3', () => {
  const document = openApiDocument({ admin: true, metrics: true }) as unknown as Document;

  it("gives every operation an operationId of its own, and the package's version as info.version", () => {
    const ids = Object.values(document.paths).flatMap((item) => METHODS.filter((m) => m in item).map((m) => (item[m] as { operationId?: unknown }).operationId));
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.info.version).toBe((JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });

  it('names its version, its info and its paths', () => {
    expect(document.openapi).toMatch(/^3\.[01]\.\d+$/);
    expect(typeof document.info.title).toBe('string');
    expect(typeof document.info.version).toBe('string');
    expect(Object.keys(document.paths).every((path) => path.startsWith('/'))).toBe(true);
  });

  it('gives every operation its responses, every $ref a schema, and the wallet statuses as an enum', () => {
    for (const item of Object.values(document.paths)) {
      for (const method of METHODS.filter((m) => m in item)) expect(Object.keys(item[method]?.responses ?? {})).not.toHaveLength(0);
    }
    for (const ref of refs(document)) expect(document.components.schemas).toHaveProperty(ref.replace('#/components/schemas/', ''));
    expect(document.components.schemas.Status).toMatchObject({ type: 'string', enum: Object.values(Status) });
  });

  it('is plain JSON: it survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});
