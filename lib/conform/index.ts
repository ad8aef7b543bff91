/** The conformance kit: `import { runConformance } from 'exwallet/conform'`. */
export { runConformance, ConformUsageError, MIN_BALANCE, DEFAULTS, type ConformOptions, type ConformReport, type PlayerNet } from './runner.js';
export { CATEGORIES, CheckFailure, type Category, type Check, type CheckResult, type Exchange, type BalanceChange } from './check.js';
export { CHECKS } from './scenarios/index.js';
export { jsonReport } from './report/json.js';
export { junitReport } from './report/junit.js';
export { resultLines, summary } from './report/text.js';
export { main } from './cli.js';
