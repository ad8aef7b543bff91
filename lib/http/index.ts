/** The Hub88 Operator wallet service over HTTP: `import { buildServer } from 'exwallet/http'`. */
export { buildServer, checkAdminToken, DEFAULT_BODY_LIMIT, MIN_ADMIN_TOKEN_LENGTH, WALLET_ROUTES, type ServerOptions } from './server.js';
export { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts.js';
export { signBody, signatureVerifier, bodySigner, SIGNATURE_HEADER, type KeyInput } from './signature.js';
export { parseConfig, DEFAULT_SHUTDOWN_GRACE, DEV_DEMO_USERS, type ServiceConfig } from './config.js';
export { closeWithin, type ShutdownOutcome } from './shutdown.js';
export { main, EXIT } from './cli.js';
export { openApiDocument } from './openapi.js';
