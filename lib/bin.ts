#!/usr/bin/env node
import { main } from './http/cli.js';

process.exitCode = await main(process.argv.slice(2), process.env);
