// End-to-end harness: a real `segnala serve` on a free loopback port with its
// own data directory and database (SQLite file, or a fresh PostgreSQL
// database with SEGNALA_TEST_BACKEND=postgres), the demo municipality and
// staff accounts, and Debian's Chromium driven by playwright-core.
//
// Environment: SEGNALA_BIN (default: <repo>/target/debug/segnala, or
// $CARGO_TARGET_DIR/debug/segnala), SEGNALA_TEST_BACKEND, SEGNALA_TEST_PG_URL,
// CHROMIUM (default /usr/bin/chromium).

import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(WEB, '..');
export const SHOTS = join(REPO, 'target', 'e2e');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const BACKEND = process.env.SEGNALA_TEST_BACKEND ?? 'sqlite';

function binary() {
  if (process.env.SEGNALA_BIN) return process.env.SEGNALA_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(REPO, process.env.CARGO_TARGET_DIR) : join(REPO, 'target');
  return join(target, 'debug', 'segnala');
}

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

function psql(admin, sql) {
  execFileSync('psql', [`${admin}/postgres`, '-Atqc', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Starts segnala with the demo data. Returns { url, accounts, stop }. */
export async function startServer(extraEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'segnala-e2e-'));
  const port = await freePort();
  let databaseUrl = `sqlite://${join(dir, 'segnala.db')}`;
  let dropDb = () => {};
  if (BACKEND === 'postgres') {
    const admin = process.env.SEGNALA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
    const name = `segnala_e2e_${process.pid}_${port}`;
    psql(admin, `CREATE DATABASE ${name}`);
    databaseUrl = `${admin}/${name}`;
    dropDb = () => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } else if (BACKEND !== 'sqlite') {
    throw new Error(`SEGNALA_TEST_BACKEND=${BACKEND}: expected sqlite or postgres`);
  }
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    SEGNALA_CONFIG: join(dir, 'none.toml'),
    SEGNALA_DATA_DIR: join(dir, 'data'),
    SEGNALA_DATABASE_URL: databaseUrl,
    SEGNALA_BIND: `127.0.0.1:${port}`,
    SEGNALA_PUBLIC_BASE_URL: url,
    // Its own copy of the built pages: a `vite build` meanwhile (which empties
    // dist/) must not pull chunks from under the browser.
    SEGNALA_WEB_DIR: join(dir, 'web'),
    // Offline: no tiles, no geocoder; the maps still take clicks.
    SEGNALA_MAP_TILES_URL: '',
    SEGNALA_GEOCODER_URL: '',
    SEGNALA_MAIL_TRANSPORT: 'file',
    SEGNALA_LOG_FORMAT: 'text',
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...extraEnv,
  };
  // SEGNALA_CONFIG must name a file if set: write an empty one.
  mkdirSync(join(dir, 'data'), { recursive: true });
  cpSync(join(WEB, 'dist'), join(dir, 'web'), { recursive: true });
  execFileSync('sh', ['-c', `: > "${env.SEGNALA_CONFIG}"`]);
  const bin = binary();
  execFileSync(bin, ['demo'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error('segnala serve exited during start-up');
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('segnala serve did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const accounts = Object.fromEntries(
    readFileSync(join(dir, 'data', 'demo-accounts.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [username, password, role] = line.split('\t');
        return [username, { username, password, role }];
      }),
  );
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill('SIGKILL');
    }
    dropDb();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, accounts, dataDir: join(dir, 'data'), stop };
}

/** Launches headless Chromium (Debian's; nothing is downloaded). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    headless: true,
  });
}

/** A new page that records console errors and failed requests; call
 * `page.assertClean()` to fail on any. */
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({ locale: 'it-IT', timezoneId: 'Europe/Rome', ...opts });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.assertClean = (allow = []) => {
    const left = problems.filter((p) => !allow.some((re) => re.test(p)));
    problems.length = 0;
    assert.deepEqual(left, [], 'the page logged errors');
  };
  return page;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.1 A and AA) on the page as it is now, and fails on
 * any serious or critical violation. `name` labels the report. */
export async function checkA11y(page, name) {
  // evaluate() runs outside the page's CSP (script-src 'self').
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n` + v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary}`).join('\n'))
    .join('\n');
  assert.equal(bad.length, 0, `axe on ${name}:\n${text}`);
  return result;
}

/** Saves a full-page screenshot as target/e2e/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${BACKEND}-${name}.png`), fullPage: true });
}

/** Logs a staff member in through the API (for setting up a scenario). */
export async function apiLogin(url, account) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: account.username, password: account.password }),
  });
  assert.equal(res.status, 200, `login ${account.username}`);
  return (await res.json()).access_token;
}

/** A JSON API call (for setting up a scenario and checking its effect). */
export async function apiCall(url, path, { method = 'GET', token, json } = {}) {
  const res = await fetch(`${url}/api/v1/${path}`, {
    method,
    headers: {
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: json ? JSON.stringify(json) : undefined,
  });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  return { status: res.status, body };
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A small solid-colour PNG, built here so that no fixture file is needed. */
export function png(width = 32, height = 24, rgb = [200, 60, 30]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
