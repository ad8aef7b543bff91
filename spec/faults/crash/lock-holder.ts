/**
 * A process that serves a journal directory, for the lock tests: starts an engine on it and
 * prints `{"pid"}` once it holds it, or `{"refused"}` with the error if it cannot; then holds
 * it until its standard input closes (or it is killed), stops the engine and exits.
 * Usage: lock-holder.ts DIRECTORY
 */
import { start } from '../../../lib/index.js';

const [directory = ''] = process.argv.slice(2);
try {
  const wallet = start({ journal: directory });
  await wallet.createUsers(['held']);
  process.stdout.write(`${JSON.stringify({ pid: process.pid })}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
  await wallet.stop();
} catch (error) {
  process.stdout.write(`${JSON.stringify({ refused: (error as Error).message, name: (error as Error).name })}\n`);
  process.exitCode = 1;
}
