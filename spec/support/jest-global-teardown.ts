/** Stops the server the global setup started, if it started one (the key is the setup's SERVER_KEY). */
export default async function globalTeardown(): Promise<void> {
  const key = '__exwalletTestPostgres';
  const server = Reflect.get(globalThis, key) as { stop(): Promise<void> } | undefined;
  if (server === undefined) return;
  Reflect.deleteProperty(globalThis, key);
  delete process.env.EXWALLET_TEST_DATABASE_URL;
  await server.stop();
}
