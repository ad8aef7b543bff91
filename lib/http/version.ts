import { createRequire } from 'node:module';

/** This package's version, read from its package.json (two levels up from here, in lib/ and in dist/ alike). */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { readonly version: string }).version;
