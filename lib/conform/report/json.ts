import type { ConformReport } from '../runner.js';

/** The whole report as JSON: every check with its evidence (exchanges, balances before and after). */
export function jsonReport(report: ConformReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
