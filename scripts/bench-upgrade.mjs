#!/usr/bin/env node
// How long an installed device waits after an app update that changes the stored format:
// an older build pulls a demo data set from a real crm-server into a browser profile on
// disk, then the current build opens that profile and the time until the customer list
// shows the whole set is printed (the first open runs the schema steps and data
// migrations; the second open is the baseline). Not part of `scripts/bench.sh`: it needs
// an older build, e.g.
//
//   git worktree add /tmp/wt-old <commit> && (cd /tmp/wt-old && trunk build --release --dist /tmp/dist-old)
//   node scripts/bench-upgrade.mjs /tmp/dist-old dist L
//
// Uses target/bench-pull/pull-<size>.sqlite as seeded by scripts/bench-pull.mjs and
// target/release/crm-server. Service workers are blocked so the new build is what opens.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [OLD, NEW, SIZE] = process.argv.slice(2);
const expected = { S: 500, M: 10000, L: 100000 }[SIZE?.toUpperCase()];
const DB = `target/bench-pull/pull-${SIZE?.toLowerCase()}.sqlite`;
if (!OLD || !NEW || !expected || !existsSync(DB)) {
  console.error('usage: node scripts/bench-upgrade.mjs OLD_DIST NEW_DIST S|M|L (seed with scripts/bench-pull.mjs first)');
  process.exit(2);
}
const PORT = 38000 + Math.floor(Math.random() * 1000);
const LAUNCH = { executablePath: '/usr/bin/chromium', serviceWorkers: 'block', locale: 'en-US', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] };
const log = (m) => console.error(`bench-upgrade: ${m}`);

async function server(dist) {
  const child = spawn('target/release/crm-server', ['serve', '--db', DB, '--addr', `127.0.0.1:${PORT}`, '--dist', dist], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, RUST_LOG: 'warn' } });
  await new Promise((ok) => { let out = ''; child.stdout.on('data', (d) => { out += d; if (/listening on/.test(out)) ok(); }); });
  return child;
}

const profile = await mkdtemp(join(tmpdir(), 'upgrade-time-'));
let srv = await server(OLD);
let ctx = await chromium.launchPersistentContext(profile, LAUNCH);
let page = await ctx.newPage();
await page.goto(`http://127.0.0.1:${PORT}/sync`);
await page.getByLabel('Email', { exact: true }).fill('pull-bench@example.com');
await page.getByLabel('Password', { exact: true }).fill('pull-bench-2026');
let t0 = Date.now();
await page.getByRole('button', { name: 'Sign in', exact: true }).click();
await page.getByRole('status').filter({ hasText: /Last sync: \d/ }).waitFor({ timeout: 40 * 60_000 });
log(`old build pulled ${SIZE} in ${((Date.now() - t0) / 1000).toFixed(1)} s; profile ${execSync(`du -sm ${profile}`).toString().split('\t')[0]} MB`);
await ctx.close();
srv.kill();
await new Promise((r) => setTimeout(r, 1000));

for (const [what, dist] of [['new build, first open (upgrade)', NEW], ['new build, second open', NEW]]) {
  srv = await server(dist);
  ctx = await chromium.launchPersistentContext(profile, LAUNCH);
  page = await ctx.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  t0 = Date.now();
  // The banner that explains an upgrade (role=status), noted if it shows before the list.
  let banner = null;
  page.getByRole('status').filter({ hasText: 'Updating the data stored' }).waitFor({ timeout: 40 * 60_000 })
    .then(() => { banner ??= (Date.now() - t0) / 1000; }, () => {});
  await page.goto(`http://127.0.0.1:${PORT}/customers`);
  await page.locator('#customer-count').filter({ hasText: new RegExp(`^${expected} customers?$`) }).waitFor({ timeout: 40 * 60_000 });
  const shown = (Date.now() - t0) / 1000;
  log(`${what}: ${expected} customers shown ${shown.toFixed(1)} s after navigation; upgrade banner ${banner === null ? 'not seen' : `shown after ${banner.toFixed(1)} s`}`);
  await ctx.close();
  srv.kill();
  await new Promise((r) => setTimeout(r, 1000));
}
log(`profile after: ${execSync(`du -sm ${profile}`).toString().split('\t')[0]} MB`);
await rm(profile, { recursive: true, force: true });
