#!/usr/bin/env node
import { main, reconcile } from './http/cli.js';

const argv = process.argv.slice(2);
// Exit explicitly: once main() is done nothing may keep the process alive past its grace period.
process.exit(
  argv[0] === 'conform'
    ? await (await import('./conform/cli.js')).main(argv.slice(1))
    : argv[0] === 'reconcile'
      ? await reconcile(argv.slice(1), process.env)
      : await main(argv, process.env),
);
