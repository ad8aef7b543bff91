import { CATEGORIES } from '../check.js';
import type { ConformReport } from '../runner.js';
import { resultLines } from './text.js';

/** Text made safe for XML: characters XML 1.0 cannot hold are dropped, markup escaped. */
function escape(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** JUnit XML: one test suite per category, one test case per check, so that CI shows each one. */
export function junitReport(report: ConformReport): string {
  const suites = CATEGORIES.map((category) => report.results.filter((result) => result.category === category))
    .filter((results) => results.length > 0)
    .map((results) => {
      const category = results[0]?.category as string;
      const count = (outcome: string): number => results.filter((result) => result.outcome === outcome).length;
      const cases = results.map((result) => {
        const open = `    <testcase classname="exwallet.conform.${category}" name="${escape(result.name)}" time="${seconds(result.ms)}"`;
        if (result.outcome === 'pass') return `${open}/>`;
        if (result.outcome === 'skip') return `${open}>\n      <skipped message="${escape(result.detail ?? '')}"/>\n    </testcase>`;
        return `${open}>\n      <failure message="${escape(result.detail ?? '')}">${escape(resultLines(result))}</failure>\n    </testcase>`;
      });
      const time = seconds(results.reduce((sum, result) => sum + result.ms, 0));
      return `  <testsuite name="${category}" tests="${results.length}" failures="${count('fail')}" errors="0" skipped="${count('skip')}" time="${time}" timestamp="${report.startedAt}">\n${cases.join('\n')}\n  </testsuite>`;
    });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="exwallet conform ${escape(report.url)}" tests="${report.results.length}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${seconds(report.ms)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
