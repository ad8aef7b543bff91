/** Runs the kit in this process against a served wallet, as briefly as its checks allow. */
import { runConformance, type ConformReport } from '../../../lib/conform/index.js';
import { HUB88_PRIVATE } from '../../support/http.js';
import { PLAYERS, type ServedWallet } from './wallets.js';

/** The load check's length here: long enough for hundreds of calls, short enough for the suite. */
export const LOAD_SECONDS = 0.3;

/** Runs every check against `served` as both players, signing with Hub88's key when `signed`. */
export function checkWallet(served: ServedWallet, signed: boolean): Promise<ConformReport> {
  return runConformance({ url: served.url, users: [...PLAYERS], loadSeconds: LOAD_SECONDS, ...(signed ? { key: HUB88_PRIVATE } : {}) });
}

/** The names of the checks that failed, sorted. */
export function failed(report: ConformReport): string[] {
  return report.results.filter((result) => result.outcome === 'fail').map((result) => result.name).sort();
}
