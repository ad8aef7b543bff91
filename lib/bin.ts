#!/usr/bin/env node
import { main } from './http/cli.js';

const argv = process.argv.slice(2);
// Exit explicitly: once main() is done nothing may keep the process alive past its grace period.
process.exit(argv[0] === 'conform' ? await (await import('./conform/cli.js')).main(argv.slice(1)) : await main(argv, process.env));
