/** The Hub88 Operator wallet service over HTTP: `import { buildServer } from 'exwallet/http'`. */
export { buildServer, DEFAULT_BODY_LIMIT, WALLET_ROUTES, type ServerOptions } from './server.js';
export { signBody, signatureVerifier, bodySigner, SIGNATURE_HEADER, type KeyInput } from './signature.js';
export { parseConfig, main, type ServiceConfig } from './cli.js';
