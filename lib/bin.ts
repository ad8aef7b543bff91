#!/usr/bin/env node
import { main } from './http/cli.js';

// Exit explicitly: once main() is done nothing may keep the process alive past its grace period.
process.exit(await main(process.argv.slice(2), process.env));
