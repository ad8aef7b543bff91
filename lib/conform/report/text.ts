import type { CheckResult } from '../check.js';
import type { ConformReport } from '../runner.js';

const NAME_WIDTH = 46;

/** One line per check: its name and PASS, FAIL or SKIP; a failure adds what was sent and what came back. */
export function resultLines(result: CheckResult): string {
  const verdict = result.outcome.toUpperCase();
  const head = `${result.name.padEnd(NAME_WIDTH)} ${verdict}${result.detail === undefined ? '' : `  ${result.detail}`}`;
  if (result.outcome !== 'fail') return `${head}\n`;
  const lines = [head];
  const exchange = result.failedExchange;
  if (exchange !== undefined) {
    lines.push(`    sent: POST ${exchange.route} (${exchange.signature}) ${exchange.sent}`);
    lines.push(`    came back: ${exchange.error === undefined ? `HTTP ${exchange.httpStatus} ${exchange.received}` : `nothing (${exchange.error})`}`);
  }
  for (const { user, before, after } of result.balances) lines.push(`    balance of ${user}: ${before} before, ${after ?? 'unreadable'} after`);
  return `${lines.join('\n')}\n`;
}

/** The lines before the checks: what is checked, and how. */
export function header(url: string, signed: boolean): string {
  return `Checking the wallet at ${url} (${signed ? 'requests signed' : 'requests unsigned: the signature checks are skipped'})\n`;
}

/** The end of the report: the money moved per player, then `N passed, N failed, N skipped`. */
export function summary(report: ConformReport): string {
  const moved = report.players.map(({ user, currency, net }) => `${user} ${net === undefined ? 'unknown' : `${net > 0 ? '+' : ''}${net}`} ${currency}`);
  return [`Net money moved: ${moved.join(', ')}`, `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`, ''].join('\n');
}
