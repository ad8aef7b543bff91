import { afterEach, describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { Status } from '../../../lib/index.js';
import { latencyHistogram, RequestFigures } from '../../../lib/http/metrics.js';
import { exwallet, type Service } from '../../support/process.js';
import { seededRandom } from '../../../test-support/random.js';

const services: Service[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.kill();
});

describe('the request log on standard output, written in batches', () => {
  it('writes a request line while the service runs, not only when it exits', async () => {
    const service = exwallet(['--no-verify', '--in-memory', '--port', '0', '--demo-users', '1']);
    services.push(service);
    const { url } = await service.listening();
    const answer = await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-1', request_uuid: 'r-1' }) });
    expect(await answer.json()).toMatchObject({ status: Status.OK });
    // Resolves once the line is on standard output; rejects if the process exits first.
    const [line] = await service.output(/^\{.*"msg":"request".*\}$/m);
    expect(JSON.parse(line)).toMatchObject({ level: 30, method: 'POST', url: '/user/balance', statusCode: 200, status: Status.OK, msg: 'request', reqId: expect.any(String), durationMs: expect.any(Number) });
    expect(service.child.exitCode).toBeNull();
  });

  it('writes a line for every request of a burst, the last ones when it exits on SIGTERM', async () => {
    const service = exwallet(['--no-verify', '--in-memory', '--port', '0', '--demo-users', '1']);
    services.push(service);
    const { url } = await service.listening();
    const count = 200;
    for (let i = 0; i < count; i++) {
      await fetch(`${url}/user/balance`, { method: 'POST', body: JSON.stringify({ user: 'demo-1', request_uuid: `r-${i}` }) });
    }
    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
    const lines = service.stdout.split('\n').filter((text) => text !== '').map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(lines.filter((line) => line.msg === 'request')).toHaveLength(count);
  });
});

describe("the request figures behind /metrics give prom-client's own samples", () => {
  it('match a prom-client Histogram fed the same latencies, each bound inside its own bucket', async () => {
    const random = seededRandom(24);
    const figures = new RequestFigures();
    const name = 'exwallet_http_request_duration_seconds';
    const help = 'Time from a request received to its answer sent, by route';
    const theirs = new Histogram({ name, help, labelNames: ['method', 'route'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [] });
    const routes = [
      ['POST', '/transaction/bet'],
      ['POST', '/transaction/win'],
      ['GET', 'unmatched'],
    ] as const;
    // Every bound exactly, past the largest, zero, and random values.
    const values = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 12, 0, ...Array.from({ length: 600 }, () => random() * random() * 3)];
    values.forEach((seconds, i) => {
      const [method, route] = routes[i % routes.length] as (typeof routes)[number];
      figures.observe(method, route, 200, Status.OK, seconds);
      theirs.observe({ method, route }, seconds);
    });

    const ours = new Registry();
    ours.registerMetric(latencyHistogram(name, help, figures));
    const mine = (await ours.getMetricsAsJSON())[0];
    const expected = await theirs.get();
    expect(mine).toMatchObject({ name, help, type: 'histogram', aggregator: 'sum' });
    const samples = (values: ReadonlyArray<{ labels: object; value: number; metricName?: string }>) => values.map(({ labels, value, metricName }) => ({ labels, value, metricName }));
    const got = samples(mine?.values ?? []);
    const want = samples(expected.values);
    expect(got.map(({ labels, metricName }) => ({ labels, metricName }))).toEqual(want.map(({ labels, metricName }) => ({ labels, metricName })));
    want.forEach(({ value }, i) => expect(got[i]?.value).toBeCloseTo(value, 9));

    const text = await ours.metrics();
    const registry = new Registry();
    registry.registerMetric(theirs);
    const reference = await registry.metrics();
    const withoutSums = (scrape: string) => scrape.split('\n').filter((line) => !line.includes('_sum{'));
    expect(withoutSums(text)).toEqual(withoutSums(reference));
  });
});
