// The installed package's command as an operator meets it: `exwallet` serves a wallet in memory,
// `exwallet conform` checks it and must pass, then SIGTERM stops the service with exit code 0.
import { spawn, spawnSync } from 'node:child_process';

const bin = './node_modules/.bin/exwallet';
const service = spawn(bin, ['--in-memory', '--no-verify', '--port', '0', '--demo-users', '2', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve, reject) => {
  let banner = '';
  const timer = setTimeout(() => reject(new Error(`no banner in 30 s: ${banner}`)), 30_000);
  service.stderr.on('data', (chunk) => {
    banner += chunk;
    const found = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(banner);
    if (found) {
      clearTimeout(timer);
      resolve(found[1]);
    }
  });
  service.on('exit', (code) => reject(new Error(`the service exited with ${code}: ${banner}`)));
});
const run = spawnSync(bin, ['conform', '--url', `http://127.0.0.1:${port}`, '--users', 'demo-1,demo-2', '--duration', '1'], { encoding: 'utf8', timeout: 300_000 });
const exited = new Promise((resolve) => service.on('exit', resolve));
service.kill('SIGTERM');
const code = await exited;
const summary = run.stdout.trim().split('\n').at(-1);
if (run.status !== 0 || code !== 0) throw new Error(`exwallet conform exited ${run.status}, the service ${code}:\n${run.stdout}${run.stderr}`);
console.log(`exwallet conform against exwallet on Node ${process.version}: ${summary}`);
