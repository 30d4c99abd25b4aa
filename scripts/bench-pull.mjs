#!/usr/bin/env node
// BENCH.md's `pull_l` (and pull_s / pull_m): a new device signs in and pulls a demo data
// set from a real crm-server into IndexedDB, in headless Chromium on the release build.
//
//   node scripts/bench-pull.mjs [S,M]        # sizes; L when asked (many minutes)
//
// Needs (builds nothing): dist/ from `trunk build --release`, and
// `cargo build --release -p crm-server --bin crm-server --example seed_demo`.
// Per size it seeds target/bench-pull/pull-<size>.sqlite once (the demo set as the field
// changes a client would have pushed, through the server's own db module; the seeding
// time is printed), reused while its .json marker is newer than the seeder binary. It
// then runs `crm-server serve --dist dist`, signs in on the Sync screen of a fresh browser
// profile on disk (empty IndexedDB; its size after the pull is printed) and times from the "Sign in" click until the sync badge says the
// first sync finished ("Last sync: <time>": every page pulled and stored), then checks
// that #customer-count shows the whole set.
//
// Prints `BENCH pull_<size> <s> s`, `BENCH pull_<size>_changes <n> count` and how much of
// the time the pull requests themselves took (`pull_<size>_network`, from the page's
// Resource Timing: server + transfer; the rest is the app applying pages to IndexedDB).
// Environment: DIST_DIR, CRM_SERVER, SEED_DEMO, BENCH_PULL_DIR, PULL_RUNS (default 5 for
// S, 1 for M and L; the median is printed), PULL_TIMEOUT_MIN (default 180),
// PULL_SETTLE_S=<s> (wait that long with the browser open before measuring the size on
// disk), PULL_PERSISTENT=0 (an off-the-record context: IndexedDB in memory, as figures before
// 2026-12-01 were measured), PULL_PROFILE=1 / PULL_PROFILE_OUT (CPU profile), PULL_SIZES=1
// (what each object store holds afterwards, in MB of values by field).
// After each M or L pull it times BENCH.md's IndexedDB yardstick (see `yardstick`).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const sizes = (process.argv[2] ?? 'S,M').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
const expected = { S: 500, M: 10000, L: 100000 };
const DIST = process.env.DIST_DIR ?? 'dist';
const SERVER_BIN = process.env.CRM_SERVER ?? 'target/release/crm-server';
const SEED_BIN = process.env.SEED_DEMO ?? 'target/release/examples/seed_demo';
const DIR = process.env.BENCH_PULL_DIR ?? 'target/bench-pull';
// BENCH.md wants medians of >= 5 runs; a pull of M or L takes minutes, so one by default.
const runsOf = (size) => Number(process.env.PULL_RUNS ?? (size === 'S' ? 5 : 1));
const TIMEOUT_MS = Number(process.env.PULL_TIMEOUT_MIN ?? 180) * 60_000;
const ORG = 'Pull Bench Travel';
const EMAIL = 'pull-bench@example.com';
const PASSWORD = 'pull-bench-2026';

// PULL_PROFILE=1: a CPU profile of the page's main thread during the pull, summarised
// as the functions with the most self time (where the client spends it).
const PROFILE = process.env.PULL_PROFILE === '1';
const PERSISTENT = process.env.PULL_PERSISTENT !== '0';
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

async function startProfile(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return cdp;
}

async function reportProfile(cdp, size) {
  const { profile } = await cdp.send('Profiler.stop');
  // PULL_PROFILE_OUT=<file.cpuprofile>: the whole profile, for DevTools' Performance panel.
  if (process.env.PULL_PROFILE_OUT) await writeFile(process.env.PULL_PROFILE_OUT, JSON.stringify(profile));
  const self = new Map();
  const dt = profile.timeDeltas ?? [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}`;
    self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const kinds = new Map();
  for (const [name, ms] of self) {
    const kind = name.endsWith('.wasm') ? 'wasm' : name.endsWith('.js') ? 'app js glue' : name.startsWith('(') ? name.split(' ')[0] : 'browser built-ins';
    kinds.set(kind, (kinds.get(kind) ?? 0) + ms);
  }
  log(`${size}: profile, ${(total / 1000).toFixed(1)} s sampled: ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ')}; most self time:`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) log(`  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  if (process.env.PULL_PROFILE_CALLERS) {
    // Who calls a function (its callers' chains, by self time of the named function).
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const chains = new Map();
    profile.samples.forEach((id, i) => {
      const wanted = process.env.PULL_PROFILE_CALLERS === '(anonymous)' ? '' : process.env.PULL_PROFILE_CALLERS;
      if (byId.get(id).callFrame.functionName !== wanted || !byId.get(id).callFrame.url.endsWith('.js')) return;
      const names = [];
      for (let p = parent.get(id); p && names.length < 6; p = parent.get(p)) names.push(byId.get(p).callFrame.functionName || '?');
      const key = names.join(' < ');
      chains.set(key, (chains.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    for (const [k, ms] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 8)) log(`  callers ${ms.toFixed(0)} ms: ${k}`);
  }
}

// PULL_SIZES=1: what the pull stored, per object store: records, the bytes of their
// values (strings and numbers as JSON text, byte arrays as their length) and the fields
// that hold the most, to see which layout choice the write cost comes from.
async function reportSizes(page, size) {
  const stores = await page.evaluate(async () => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('field-crm');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const add = (acc, field, n) => acc.set(field, (acc.get(field) ?? 0) + n);
    const measure = (value, field, acc) => {
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) add(acc, field, value.byteLength);
      else if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) measure(v, field ? `${field}.${k}` : k, acc);
      else add(acc, field, JSON.stringify(value ?? null).length);
    };
    const out = [];
    for (const name of db.objectStoreNames) {
      const all = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); });
      const acc = new Map();
      for (const value of all) measure(value, '', acc);
      const bytes = [...acc.values()].reduce((a, b) => a + b, 0);
      const top = [...acc].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, n]) => `${k || '(value)'} ${(n / 1e6).toFixed(1)}`);
      if (all.length) out.push(`${name}: ${all.length} records, ${(bytes / 1e6).toFixed(1)} MB (${top.join(', ')})`);
    }
    db.close();
    return out;
  });
  for (const line of stores) log(`${size}: stored ${line}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (name, value, unit) => console.log(`BENCH ${name} ${typeof value === 'number' ? Math.round(value * 10) / 10 : value} ${unit}`);
const log = (msg) => console.error(`bench-pull: ${msg}`);

for (const [what, path] of [['dist/ (trunk build --release)', join(DIST, 'index.html')], ['crm-server (cargo build --release -p crm-server)', SERVER_BIN], ['seed_demo (cargo build --release -p crm-server --example seed_demo)', SEED_BIN]]) {
  if (!existsSync(path)) {
    console.error(`bench-pull: missing ${path}: build ${what} first`);
    process.exit(2);
  }
}

/** The seeded database of a size (seeding it when there is none); returns its path and change count. */
async function seeded(size) {
  await mkdir(DIR, { recursive: true });
  const db = join(DIR, `pull-${size.toLowerCase()}.sqlite`);
  const marker = `${db}.json`;
  // A rebuilt seeder (new generator or server schema) makes the seeded file stale.
  if (existsSync(marker) && statSync(marker).mtimeMs > statSync(SEED_BIN).mtimeMs) {
    const info = JSON.parse(await readFile(marker, 'utf8'));
    log(`reusing ${db} (${info.changes} changes, seeded in ${info.seconds} s; delete ${marker} to seed again)`);
    return { db, changes: info.changes };
  }
  for (const f of [db, `${db}-wal`, `${db}-shm`]) await rm(f, { force: true });
  execFileSync(SERVER_BIN, ['user', 'add', '--db', db, '--org', ORG, '--email', EMAIL, '--password', PASSWORD, '--role', 'rep'], { stdio: 'inherit' });
  const out = execFileSync(SEED_BIN, ['--db', db, '--email', EMAIL, '--size', size], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(out);
  const figure = (name) => Number(out.match(new RegExp(`^BENCH ${name} ([\\d.]+)`, 'm'))?.[1]);
  const info = { changes: figure(`seed_${size.toLowerCase()}_changes`), seconds: figure(`seed_${size.toLowerCase()}`) };
  await writeFile(marker, JSON.stringify(info));
  return { db, changes: info.changes };
}

/** Starts crm-server on a free loopback port; resolves to its origin and process. */
async function startServer(db) {
  const child = spawn(SERVER_BIN, ['serve', '--db', db, '--addr', '127.0.0.1:0', '--dist', DIST], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`crm-server exited with ${code}`)));
  });
  return { origin, child };
}

/** One first sync of a fresh device; returns seconds, pull requests and their network time. */
async function pullOnce(browser, origin, size) {
  const options = { locale: 'en-US', viewport: { width: 1280, height: 900 } };
    // A profile on disk, as an installed app has (PULL_PERSISTENT=0: a fresh off-the-record
  // context instead, whose IndexedDB lives in memory and never compacts files on disk).
  const profile = PERSISTENT ? await mkdtemp(join(tmpdir(), 'bench-pull-profile-')) : null;
  const context = PERSISTENT
    ? await chromium.launchPersistentContext(profile, { ...LAUNCH, ...options })
    : await browser.newContext(options);
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const errors = [];
    // Printed as they come too: a pull that stalls on a failing write never gets to the
    // summary below.
    const noteError = (text) => {
      if (errors.length < 5) log(`${size}: page error: ${text}`);
      errors.push(text);
    };
    page.on('pageerror', (e) => noteError(e.message));
    page.on('crash', () => log(`${size}: the page crashed at ${new Date().toISOString()}`));
    page.on('console', (m) => m.type() === 'error' && noteError(m.text()));
    await page.goto(`${origin}/sync`);
    const field = (label) => page.getByLabel(label, { exact: true });
    await field('Server').waitFor();
    await field('Email').fill(EMAIL);
    await field('Password').fill(PASSWORD);
    // Every pull page's timing, not just the first 250.
    await page.evaluate(() => performance.setResourceTimingBufferSize(1_000_000));
    const badge = page.getByRole('status').filter({ hasText: /pending/ });
    const profiler = PROFILE ? await startProfile(context, page) : null;
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const progress = setInterval(async () => {
      const receiving = await page.getByText(/changes received/).first().textContent({ timeout: 1_000 }).catch(() => null);
      log(`${size}: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${receiving ?? 'no progress shown'}`);
    }, size === 'L' ? 30_000 : 5_000);
    try {
      await badge.filter({ hasText: /Last sync: \d/ }).waitFor({ timeout: TIMEOUT_MS });
    } finally {
      clearInterval(progress);
    }
    const seconds = (Date.now() - t0) / 1000;
    if (profiler) await reportProfile(profiler, size);
    const timing = await page.evaluate(() => {
      const pulls = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/sync/pull'));
      return { requests: pulls.length, networkMs: pulls.reduce((s, e) => s + e.duration, 0), bytes: pulls.reduce((s, e) => s + (e.encodedBodySize || 0), 0) };
    });
    const problem = await page.getByRole('alert').first().textContent({ timeout: 500 }).catch(() => null);
    if (problem) log(`${size}: the page shows an error: ${problem}`);
    await page.getByRole('navigation').getByRole('link', { name: 'Customers', exact: true }).first().click();
    const count = page.locator('#customer-count');
    await count.filter({ hasText: /^\d+ customers?$/ }).waitFor();
    const shown = await count.textContent();
    if (shown !== `${expected[size]} customers`) log(`${size}: #customer-count says ${JSON.stringify(shown)}, want ${expected[size]} customers`);
    if (errors.length) log(`${size}: page errors: ${errors.slice(-5).join(' | ')}`);
    if (process.env.PULL_SIZES === '1') await reportSizes(page, size);
    if (profile && process.env.PULL_SETTLE_S) {
      // The browser's storage keeps compacting its files after the last write: measured
      // right away, the size includes what compaction has not reclaimed yet.
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.PULL_SETTLE_S) * 1000));
    }
    if (profile) {
      // LevelDB may delete a file while du walks the directory (a compaction still
      // running): du then exits non-zero but still prints the total of what it found.
      let idb;
      try {
        idb = execFileSync('du', ['-sb', join(profile, 'Default', 'IndexedDB')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch (e) {
        idb = e.stdout ?? '';
      }
      log(`${size}: IndexedDB on disk: ${(Number(idb.split('\t')[0]) / 1048576).toFixed(0)} MB`);
    }
    return { seconds, ...timing };
  } finally {
    // After a crash the context is gone; the error that matters is the one above.
    await context.close().catch(() => {});
    if (profile) await rm(profile, { recursive: true, force: true });
  }
}

// BENCH.md's yardstick for this machine's IndexedDB: customer-sized records written one
// per row, 10,000 per readwrite transaction, with the raw API, in an on-disk profile as
// the pull uses. BENCH.md recorded 1.1-1.5 s for M's 10,000 and 15.6-19.3 s for L's
// 100,000 on 2026-11-30. Machines of this kind differ from day to day (the same build's
// pull_l measured 140 s on one and 81 s on another), so each pull is followed by this
// and `pull_<size>_per_yardstick` is the figure that compares across machines.
const YARDSTICK_RECORDED = { M: '1.1-1.5', L: '15.6-19.3' };

async function yardstick(origin, count) {
  const profile = await mkdtemp(join(tmpdir(), 'bench-pull-yardstick-'));
  const context = await chromium.launchPersistentContext(profile, LAUNCH);
  try {
    const page = await context.newPage();
    // An empty page of the server's origin: the app itself does not load.
    await page.route(`${origin}/yardstick`, (r) => r.fulfill({ body: '<!doctype html><title>yardstick</title>', contentType: 'text/html' }));
    await page.goto(`${origin}/yardstick`);
    return await page.evaluate(async (count) => {
      let seed = 2026;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const pick = (chars, n) => Array.from({ length: n }, () => chars[Math.floor(rand() * chars.length)]).join('');
      const han = '张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢';
      const customer = (i) => ({
        id: `0193${pick('0123456789abcdef', 4)}-${pick('0123456789abcdef', 4)}-7${pick('0123456789abcdef', 3)}-${pick('89ab', 1)}${pick('0123456789abcdef', 3)}-${String(i).padStart(12, '0')}`,
        name: pick(han, 3),
        phone: `+86 1${pick('3589', 1)}${pick('0123456789', 9)}`,
        email: `${pick('abcdefghijklmnopqrstuvwxyz', 8)}@example.com`,
        company: `${pick(han, 4)}旅行社有限公司`,
        city: pick(['上海', '北京', '广州', '深圳', '成都', '杭州'], 1),
        tags: [pick(['vip', 'corporate', 'family', 'repeat'], 1)],
        notes: pick(han, 24),
        stage: 'customer',
        created_at: `2025-${String(1 + (i % 12)).padStart(2, '0')}-15T09:30:00`,
      });
      const db = await new Promise((ok, no) => {
        const r = indexedDB.open('yardstick', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('customers', { keyPath: 'id' });
        r.onsuccess = () => ok(r.result);
        r.onerror = () => no(r.error);
      });
      const rows = Array.from({ length: count }, (_, i) => customer(i));
      const t0 = performance.now();
      for (let from = 0; from < count; from += 10_000) {
        await new Promise((ok, no) => {
          const tx = db.transaction('customers', 'readwrite');
          const store = tx.objectStore('customers');
          for (const row of rows.slice(from, from + 10_000)) store.put(row);
          tx.oncomplete = ok;
          tx.onerror = () => no(tx.error);
        });
      }
      const seconds = (performance.now() - t0) / 1000;
      db.close();
      return seconds;
    }, count);
  } finally {
    await context.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  }
}

const browser = await chromium.launch(LAUNCH);
let closing = false;
browser.on('disconnected', () => closing || log(`the browser went away (crashed or killed) at ${new Date().toISOString()}`));
try {
  for (const size of sizes) {
    if (!expected[size]) throw new Error(`unknown size ${size} (S, M or L)`);
    const s = size.toLowerCase();
    const { db, changes } = await seeded(size);
    const { origin, child } = await startServer(db);
    try {
      const runs = [];
      for (let i = 0; i < runsOf(size); i++) {
        const r = await pullOnce(browser, origin, size);
        log(`${size} run ${i + 1}: ${r.seconds.toFixed(1)} s, ${r.requests} pull requests, ${(r.networkMs / 1000).toFixed(1)} s in them, ${(r.bytes / 1048576).toFixed(1)} MB on the wire`);
        if (YARDSTICK_RECORDED[size]) {
          r.yardstick = await yardstick(origin, expected[size]);
          log(`${size} run ${i + 1}: yardstick ${r.yardstick.toFixed(1)} s (BENCH.md recorded ${YARDSTICK_RECORDED[size]} s), pull = ${(r.seconds / r.yardstick).toFixed(1)} yardsticks`);
        }
        runs.push(r);
      }
      const mid = runs.find((r) => r.seconds === median(runs.map((x) => x.seconds)));
      line(`pull_${s}`, mid.seconds, 's');
      if (mid.yardstick) {
        line(`pull_${s}_yardstick`, mid.yardstick, 's');
        line(`pull_${s}_per_yardstick`, mid.seconds / mid.yardstick, 'ratio');
      }
      line(`pull_${s}_changes`, changes, 'count');
      line(`pull_${s}_network`, mid.networkMs / 1000, 's');
      line(`pull_${s}_rate`, changes / mid.seconds, 'changes/s');
    } finally {
      child.kill('SIGTERM');
    }
  }
} finally {
  closing = true;
  await browser.close();
}
