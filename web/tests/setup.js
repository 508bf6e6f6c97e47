// globalSetup: build nothing, start chuangdai (the binary named by
// CHUANGDAI_BIN, relative to the working directory; by default the
// repository's bin/chuangdai) on a free port with a fresh SQLite file, the
// demo data and a local SMS gateway; the tests read the address and the demo
// sign-ins from the environment (and the binary and database, to run the
// command line as an operator does). The returned function stops the server.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';

const here = dirname(fileURLToPath(import.meta.url));

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

function run(bin, args, env) {
  return new Promise((ok, fail) => {
    execFile(bin, args, { env }, (err, stdout, stderr) => (err ? fail(new Error(`${bin} ${args.join(' ')}: ${stderr || err.message}`)) : ok(stdout)));
  });
}

// parseCredentials reads the table `chuangdai seed demo --credentials-file` writes.
function parseCredentials(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^\s+(\S+)\s+(\S+)\s+(entrepreneur|hrss_officer|guarantee_officer|bank_officer|finance_auditor|admin|audit_admin)\b/.exec(line);
    if (m) out[m[1]] = { username: m[1], password: m[2], role: m[3] };
  }
  return out;
}

// UNDELIVERABLE is the phone the SMS gateway never takes a message for: an
// account with it ends among the undelivered SMS (13-sms-failed.spec.js).
export const UNDELIVERABLE = '13900000503';

// smsGateway is a local SMS gateway: 503 for UNDELIVERABLE, 200 otherwise.
function smsGateway() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let phone = '';
      try { phone = JSON.parse(body).phone; } catch { /* not JSON: taken */ }
      res.writeHead(phone === UNDELIVERABLE ? 503 : 200).end();
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// start runs a chuangdai of its own: a fresh SQLite file with the demo data,
// a local SMS gateway and, with policyFile, that policy file (the demo is
// seeded with the built-in one, so its history is the usual). It answers the
// address, the demo sign-ins, the database and stop.
export async function start({ policyFile } = {}) {
  const bin = process.env.CHUANGDAI_BIN ? resolve(process.env.CHUANGDAI_BIN) : resolve(here, '../../bin/chuangdai');
  const dir = await mkdtemp(join(tmpdir(), 'chuangdai-e2e-'));
  const port = await freePort();
  const gateway = await smsGateway();
  const env = {
    ...process.env, CHUANGDAI_DATABASE_URL: `sqlite://${join(dir, 'e2e.db')}`, CHUANGDAI_ADDR: `127.0.0.1:${port}`,
    CHUANGDAI_PASSWORD_COST: '4', CHUANGDAI_LOG_LEVEL: 'warn', CHUANGDAI_FILES_DIR: join(dir, 'files'),
    CHUANGDAI_SMS_WEBHOOK_URL: `http://127.0.0.1:${gateway.address().port}/sms`, CHUANGDAI_SMS_WEBHOOK_SECRET: 'e2e-sms-webhook-secret-0123456789abcdef',
    CHUANGDAI_SMS_MAX_ATTEMPTS: '2', CHUANGDAI_SMS_RETRY_AFTER: '500ms', CHUANGDAI_NOTIFY_INTERVAL: '500ms',
  };
  delete env.CHUANGDAI_CONFIG;
  delete env.CHUANGDAI_POLICY_FILE;
  const credFile = join(dir, 'credentials.txt');
  await run(bin, ['seed', 'demo', '--credentials-file', credFile], env);
  const accounts = parseCredentials(await readFile(credFile, 'utf8'));
  const logs = [];
  const proc = spawn(bin, ['serve'], { env: policyFile ? { ...env, CHUANGDAI_POLICY_FILE: policyFile } : env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => logs.push(String(d)));
  proc.stderr.on('data', (d) => logs.push(String(d)));
  const base = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 150 && !ready; i++) {
    if (proc.exitCode !== null) break;
    try { ready = (await fetch(`${base}/readyz`)).ok; } catch { /* not listening yet */ }
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    proc.kill('SIGTERM');
    gateway.close();
    throw new Error(`chuangdai did not become ready on ${base}:\n${logs.join('')}`);
  }
  const stop = async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    gateway.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { base, accounts, bin, databaseURL: env.CHUANGDAI_DATABASE_URL, dir, stop };
}

export default async function setup() {
  const server = await start();
  process.env.E2E_BASE = server.base;
  process.env.E2E_ACCOUNTS = JSON.stringify(server.accounts);
  process.env.E2E_BIN = server.bin;
  process.env.E2E_DATABASE_URL = server.databaseURL;
  return server.stop;
}
