import { describe, expect, it } from '@jest/globals';
import { junitReport, type CheckResult, type ConformReport } from '../../../lib/conform/index.js';

const exchange = {
  route: '/transaction/bet',
  sent: '{"user":"<a&b>"}',
  signature: 'signed',
  httpStatus: 200,
  received: '{"status":"RS_OK","note":"\u0001\u001f\ud800"}',
  ms: 1,
} as const;

const failure: CheckResult = {
  name: 'errors.malformed-json',
  category: 'errors',
  rule: 'a body that is not JSON is refused',
  outcome: 'fail',
  ms: 12,
  detail: 'the bet is refused: expected an RS_ERROR_* status, got "RS_OK" <&>',
  failedExchange: exchange,
  exchanges: [exchange],
  balances: [{ user: '<a&b>', before: 100_000, after: 99_900 }],
};

const { failedExchange: _none, ...unjudged } = failure;

const report: ConformReport = {
  url: 'http://127.0.0.1:1/?a=1&b=2',
  signed: true,
  startedAt: '2026-01-01T00:00:00.000Z',
  ms: 1234,
  players: [{ user: '<a&b>', currency: 'USD', before: 100_000, after: 99_900, net: -100 }],
  results: [failure, { ...unjudged, name: 'signatures.missing', category: 'signatures', outcome: 'skip', detail: 'no --key given' }],
  passed: 0,
  failed: 1,
  skipped: 1,
};

describe('the JUnit report is well-formed XML whatever the wallet answered', () => {
  const xml = junitReport(report);

  it('escapes markup in names, messages and evidence', () => {
    expect(xml).toContain('<testsuites name="exwallet conform http://127.0.0.1:1/?a=1&amp;b=2" tests="2" failures="1" errors="0" skipped="1" time="1.234">');
    expect(xml).toContain('<failure message="the bet is refused: expected an RS_ERROR_* status, got &quot;RS_OK&quot; &lt;&amp;&gt;">');
    expect(xml).toContain('sent: POST /transaction/bet (signed) {&quot;user&quot;:&quot;&lt;a&amp;b&gt;&quot;}');
    expect(xml).toContain('balance of &lt;a&amp;b&gt;: 100000 before, 99900 after');
  });

  it('drops the characters XML 1.0 cannot hold (control characters, lone surrogates)', () => {
    expect(xml).toContain('came back: HTTP 200 {&quot;status&quot;:&quot;RS_OK&quot;,&quot;note&quot;:&quot;&quot;}');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/);
  });

  it('has one test suite per category run, a skipped check as <skipped>', () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml).toContain('<testcase classname="exwallet.conform.signatures" name="signatures.missing" time="0.012">\n      <skipped message="no --key given"/>');
  });
});
