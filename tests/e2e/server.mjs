// A real crm-server for end-to-end tests that sync: a fresh SQLite file, one user, the
// built app served from dist/, and the Sync-screen steps (sign in, Sync now) every sync
// test needs. Shared by sync.test.mjs and the workflow screens' two-device tests.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { button, expectText, expectVisible, field, navLink, syncBadge } from './helpers.mjs';

const DIST = process.env.DIST_DIR ?? 'dist';
const SERVER_BIN =
  process.env.CRM_SERVER ?? ['target/release/crm-server', 'target/debug/crm-server'].find((p) => existsSync(p));
export const ORG = 'Jinjiang Travel';
export const PASSWORD = 'field-sales-2026';
export const SYNC_TIMEOUT = { timeout: 30_000 };

/**
 * Starts crm-server on a free port with a fresh SQLite file and the given users
 * (default: one rep, rep@example.com); stopped when the test ends. Returns the origin.
 */
export async function startServer(t, users = [{ email: 'rep@example.com', role: 'rep' }]) {
  assert.ok(SERVER_BIN, 'crm-server is built (cargo build -p crm-server)');
  const dir = await mkdtemp(join(tmpdir(), 'crm-sync-'));
  const db = join(dir, 'crm.sqlite');
  for (const u of users) {
    execFileSync(SERVER_BIN, ['user', 'add', '--db', db, '--org', ORG, '--email', u.email, '--password', PASSWORD, '--role', u.role]);
  }
  const child = spawn(SERVER_BIN, ['serve', '--db', db, '--addr', '127.0.0.1:0', '--dist', DIST], { stdio: ['ignore', 'pipe', 'ignore'] });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`crm-server exited with ${code}`)));
  });
  t.after(async () => {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });
  return origin;
}

/** Signs in on the Sync screen of the app served by `origin`. */
export async function signIn(page, origin, email = 'rep@example.com') {
  await page.goto(`${origin}/sync`);
  await expectVisible(field(page, 'Server'));
  assert.equal(await field(page, 'Server').inputValue(), origin);
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(PASSWORD);
  await button(page, 'Sign in').click();
  await expectText(page.getByText(/Signed in as/), new RegExp(ORG), SYNC_TIMEOUT);
}

/** Sync now on the Sync screen, then wait until nothing is pending and a sync completed. */
export async function syncNow(page) {
  await navLink(page, 'Sync').click();
  const before = await syncBadge(page).textContent();
  await button(page, 'Sync now').click();
  await expectText(syncBadge(page), /Online · 0 pending · Last sync: \d/, SYNC_TIMEOUT);
  return before;
}
