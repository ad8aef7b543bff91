/**
 * A process that is killed the moment the engine acknowledges an operator operation: it creates
 * a user with its own currency and balance, deposits, withdraws and disables the user, each
 * awaited, printing `{"step", "answer"}` for each, then sends itself SIGKILL before anything
 * else can run. Whatever was acknowledged must be found in the journal after that.
 * Usage: operator-worker.ts DIRECTORY
 */
import { start } from '../../../lib/index.js';
import { uuid } from '../../../test-support/random.js';

const [directory = ''] = process.argv.slice(2);
const wallet = start({ journal: directory });
const report = (step: string, answer: unknown): void => {
  process.stdout.write(`${JSON.stringify({ step, answer })}\n`);
};
await wallet.createUsers([{ user: 'eve', currency: 'EUR', balance: 1_000 }]);
report('created', null);
report('deposit', await wallet.deposit({ user: 'eve', transaction_uuid: uuid(0xd1), request_uuid: uuid(0xd2), currency: 'EUR', amount: 250 }));
report('withdraw', await wallet.withdraw({ user: 'eve', transaction_uuid: uuid(0xe1), request_uuid: uuid(0xe2), currency: 'EUR', amount: 50 }));
report('disabled', await wallet.setUserDisabled('eve', true));
process.kill(process.pid, 'SIGKILL');
