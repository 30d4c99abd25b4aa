#!/usr/bin/env node
// segment_<size> (BENCH.md): RFM scores + tiers + spend pyramid + 3 rule segments in the
// app's segmentation Web Worker (wasm, columns already built), against the same RFM tiers
// and pyramid computed in the same page run by
//   - plain JS: one Map-based pass over the interactions + a sort (on the page's thread),
//   - arquero 7.2.0 (on the page's thread; its table build is reported on its own),
// over the same rows: the interactions the app stored in IndexedDB, read back by page JS
// before any timing. Each round times one run of each (interleaved, so the shared
// machine's load swings hit all three alike); every figure is the median of 5 rounds after
// a warm-up round. The three must agree on tier and pyramid counts (a mismatch is printed
// loudly and fails the command).
// Needs the release build in dist/ (`trunk build --release`).
//
//   node scripts/bench-segment.mjs [S,M]      # L on request: loading it takes minutes
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const sizes = (process.argv[2] ?? 'S,M').split(',');
const expected = { S: 500, M: 10000, L: 100000 };
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// One decimal from 100 up, three significant digits below (sub-millisecond runs, ratios).
const fmt = (x) => (Math.abs(x) >= 100 ? Math.round(x * 10) / 10 : Number(x.toPrecision(3)));
const line = (name, value, unit, extra = '') => console.log(`BENCH ${name} ${fmt(value)} ${unit}${extra ? ` ${extra}` : ''}`);

// The app's default segmentation settings (crm-core `SegmentSettings::default()`, the
// tables of PRODUCT.md), sent to the worker and resolved below for the peers.
const SETTINGS = {
  rfm: {
    window_months: 12,
    recency_months: [1, 3, 4, 7],
    frequency_min: [6, 4, 3, 2],
    monetary_min_minor: [200000, 100000, 50000, 30000],
    monetary_basis: 'average',
    weights: { recency: 1, frequency: 3, monetary: 4 },
    tiers: { platinum: 36, gold: 26, silver: 17 },
  },
  pyramid: {
    period: { type: 'last_months', months: 12 },
    vip_basis_points: 100,
    major_basis_points: 500,
    ordinary_basis_points: 2000,
  },
};
// The three rule segments the worker counts in every run.
const RULES = [
  { type: 'and', rules: [{ type: 'tier', any_of: ['gold', 'platinum'] }, { type: 'city', any_of: ['上海'] }] },
  { type: 'vip', is: true },
  { type: 'days_since_contact', op: 'gte', value: 90 },
];
const TIERS = ['platinum', 'gold', 'silver', 'bronze', 'no_purchases'];
const LEVELS = ['vip', 'major', 'ordinary', 'small', 'no_spend'];

/** `YYYY-MM-DD` of a calendar date (month 1–12), the day clamped to the month's length. */
function ymd(year, month, day) {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(Math.min(day, last))}`;
}

/** `months` calendar months before (negative: after) `today` as `[year, month]`. */
function monthsBefore([year, month], months) {
  const index = year * 12 + (month - 1) - months;
  return [Math.floor(index / 12), (index % 12) + 1];
}

/**
 * The settings resolved against `today` for the peers, as crm-core does (segment/rfm.rs,
 * period.rs): the window is the 12 calendar months ending with today's month (`from` its
 * first day, `to` the 1st of the next month, exclusive); "≤ k months" since the last
 * purchase means on or after today minus k calendar months, clamped to the month's end.
 * Stored times are local `YYYY-MM-DDTHH:MM:SS` strings, so comparing them with these dates
 * as strings compares days.
 */
function resolve(today) {
  const [y, m, d] = today.split('-').map(Number);
  const s = SETTINGS.rfm;
  return {
    from: ymd(...monthsBefore([y, m], s.window_months - 1), 1),
    to: ymd(...monthsBefore([y, m], -1), 1),
    recency: s.recency_months.map((k) => ymd(...monthsBefore([y, m], k), d)),
    frequency: s.frequency_min,
    monetary: s.monetary_min_minor,
    weights: [s.weights.recency, s.weights.frequency, s.weights.monetary],
    tiers: [s.tiers.platinum, s.tiers.gold, s.tiers.silver],
    basisPoints: [SETTINGS.pyramid.vip_basis_points, SETTINGS.pyramid.major_basis_points, SETTINGS.pyramid.ordinary_basis_points],
  };
}

// ---- Page-side code (injected as source, so it runs as ordinary page functions). ----

/** The bytes of `[size (4 bytes, little-endian), LZ4 block]` (`storage::json_field`). */
function lz4(bytes) {
  const out = new Uint8Array(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24));
  let i = 4;
  let o = 0;
  const length = (n) => {
    if (n === 15) for (let b = 255; b === 255; n += b) b = bytes[i++];
    return n;
  };
  while (i < bytes.length) {
    const token = bytes[i++];
    const literals = length(token >> 4);
    out.set(bytes.subarray(i, i + literals), o);
    i += literals;
    o += literals;
    if (i >= bytes.length) break;
    const offset = bytes[i] | (bytes[i + 1] << 8);
    i += 2;
    const match = length(token & 15) + 4;
    for (let k = 0; k < match; k++, o++) out[o] = out[o - offset];
  }
  return out.subarray(0, o);
}

/**
 * A block's stored interactions as objects: packed (`storage::packed_block`: 0x05 and
 * LZ4 of postcard), LZ4 JSON (0x04, `storage::json_field`), plain JSON bytes, or the
 * objects themselves, as written by successive versions of the app.
 */
function storedItems(stored) {
  if (!(stored instanceof Uint8Array)) return stored;
  if (stored[0] === 0x05) return unpackItems(lz4(stored.subarray(1)));
  return JSON.parse(new TextDecoder().decode(stored[0] === 0x04 ? lz4(stored.subarray(1)) : stored));
}

/** Postcard of `packed_block::PackedInteraction`s, field by field (varints, zigzag for signed). */
function unpackItems(b) {
  let i = 0;
  const varint = () => {
    let n = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = b[i++];
      n += (byte & 127) * scale;
      if (byte < 128) return n;
    }
  };
  const signed = () => {
    const z = varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  const text = new TextDecoder();
  const str = () => {
    const n = varint();
    i += n;
    return text.decode(b.subarray(i - n, i));
  };
  const hex = (from) => [...b.subarray(from, from + 16)].map((x) => x.toString(16).padStart(2, '0')).join('');
  const uuid = () => {
    i += 1 + 16; // length 16, then the bytes
    const h = hex(i - 16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const option = (read) => (b[i++] === 1 ? read() : null);
  const out = [];
  for (let n = varint(); n > 0; n--) {
    const id = uuid();
    const customer_id = uuid();
    const kind = str();
    const at_s = signed();
    varint(); // nanoseconds
    str(); // summary
    str(); // outcome
    const amount_minor = option(signed);
    str(); // currency
    const items = option(varint);
    option(signed); // next visit
    option(uuid); // campaign
    const _deleted = b[i++] === 1;
    out.push({ id, customer_id, kind, at: new Date(at_s * 1000).toISOString().slice(0, 19), amount_minor, items, _deleted });
  }
  return out;
}

/** Reads every live interaction of the app's IndexedDB into plain objects, and counts the live customers. */
async function readRows() {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('field-crm');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const ask = (req) => new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  // Tombstoned customers have no sort key, so the index counts live customers only.
  const customers = await ask(db.transaction('customers').objectStore('customers').index('by_sort').count());
  const rows = [];
  const addBlock = (b) => {
    for (const i of storedItems(b.items)) {
      if (i._deleted) continue;
      rows.push({ id: i.id, customer_id: i.customer_id, kind: i.kind, at: i.at, amount_minor: i.amount_minor ?? null, items: i.items ?? null });
    }
  };
  let after = null;
  for (;;) {
    const range = after ? IDBKeyRange.lowerBound(after, true) : null;
    const blocks = await ask(db.transaction('timeline').objectStore('timeline').getAll(range, 2000));
    blocks.forEach(addBlock);
    if (blocks.length < 2000) break;
    const last = blocks[blocks.length - 1];
    after = [last.customer_id, last.block];
  }
  // A customer's first block may be kept in its record (`tl0`).
  after = null;
  for (;;) {
    const range = after ? IDBKeyRange.lowerBound(after, true) : null;
    const records = await ask(db.transaction('customers').objectStore('customers').getAll(range, 2000));
    for (const r of records) if (r.tl0) addBlock(r.tl0);
    if (records.length < 2000) break;
    after = records[records.length - 1].id;
  }
  db.close();
  return { rows, customers };
}

/**
 * RFM tiers and spend pyramid in plain JS, as a good JS developer would write it: one
 * Map-based pass over the interactions, then a sort of the paying customers' spends.
 */
function segmentJs(rows, customers, p) {
  const byCustomer = new Map();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.kind !== 'purchase') continue;
    let c = byCustomer.get(r.customer_id);
    if (c === undefined) {
      c = { last: r.at, n: 0, spend: 0 };
      byCustomer.set(r.customer_id, c);
    } else if (r.at > c.last) {
      c.last = r.at;
    }
    if (r.at >= p.from && r.at < p.to) {
      c.n++;
      c.spend += r.amount_minor ?? 0;
    }
  }
  const score = (meets) => { for (let k = 0; k < 4; k++) if (meets(k)) return 5 - k; return 1; };
  const tiers = [0, 0, 0, 0, 0];
  const spends = [];
  for (const c of byCustomer.values()) {
    if (c.n === 0) continue;
    const r = score((k) => c.last >= p.recency[k]);
    const f = score((k) => c.n >= p.frequency[k]);
    const m = score((k) => c.spend >= p.monetary[k] * c.n);
    const total = p.weights[0] * r + p.weights[1] * f + p.weights[2] * m;
    tiers[total >= p.tiers[0] ? 0 : total >= p.tiers[1] ? 1 : total >= p.tiers[2] ? 2 : 3]++;
    if (c.spend > 0) spends.push(c.spend);
  }
  tiers[4] = customers - tiers[0] - tiers[1] - tiers[2] - tiers[3];
  // Top k: fewer than k spent more, i.e. spend ≥ the k-th largest (ties share the level).
  spends.sort((a, b) => b - a);
  const paying = spends.length;
  const [vip, major, ordinary] = p.basisPoints.map((bp) => {
    const k = Math.min(paying, Math.floor((paying * bp + 5000) / 10000));
    return k > 0 ? spends[k - 1] : Infinity;
  });
  const pyramid = [0, 0, 0, 0, customers - paying];
  for (const s of spends) pyramid[s >= vip ? 0 : s >= major ? 1 : s >= ordinary ? 2 : 3]++;
  return { tiers, pyramid };
}

/** The same RFM tiers and pyramid with arquero verbs over a table of the rows. */
function segmentArquero(table, customers, p) {
  const { op, desc } = aq;
  const $ = {
    from: p.from, to: p.to,
    r5: p.recency[0], r4: p.recency[1], r3: p.recency[2], r2: p.recency[3],
    f5: p.frequency[0], f4: p.frequency[1], f3: p.frequency[2], f2: p.frequency[3],
    m5: p.monetary[0], m4: p.monetary[1], m3: p.monetary[2], m2: p.monetary[3],
    wr: p.weights[0], wf: p.weights[1], wm: p.weights[2],
    platinum: p.tiers[0], gold: p.tiers[1], silver: p.tiers[2],
  };
  const scored = table
    .params($)
    .filter((d) => d.kind === 'purchase')
    .derive({ w: (d, $) => (d.at >= $.from && d.at < $.to ? 1 : 0) })
    .groupby('customer_id')
    .rollup({ last: (d) => op.max(d.at), n: (d) => op.sum(d.w), spend: (d) => op.sum(d.w * d.amount_minor) })
    .filter((d) => d.n > 0)
    .derive({
      score: (d, $) =>
        $.wr * (d.last >= $.r5 ? 5 : d.last >= $.r4 ? 4 : d.last >= $.r3 ? 3 : d.last >= $.r2 ? 2 : 1) +
        $.wf * (d.n >= $.f5 ? 5 : d.n >= $.f4 ? 4 : d.n >= $.f3 ? 3 : d.n >= $.f2 ? 2 : 1) +
        $.wm * (d.spend >= $.m5 * d.n ? 5 : d.spend >= $.m4 * d.n ? 4 : d.spend >= $.m3 * d.n ? 3 : d.spend >= $.m2 * d.n ? 2 : 1),
    })
    .derive({ tier: (d, $) => (d.score >= $.platinum ? 0 : d.score >= $.gold ? 1 : d.score >= $.silver ? 2 : 3) });
  const tiers = [0, 0, 0, 0, 0];
  for (const { tier, n } of scored.groupby('tier').count({ as: 'n' }).objects()) tiers[tier] = n;
  tiers[4] = customers - scored.numRows();
  // rank() is 1 + the number that spent strictly more: top k ⇔ rank ≤ k.
  const payingTable = scored.filter((d) => d.spend > 0);
  const paying = payingTable.numRows();
  const [kv, km, ko] = p.basisPoints.map((bp) => Math.min(paying, Math.floor((paying * bp + 5000) / 10000)));
  const pyramid = [0, 0, 0, 0, customers - paying];
  const levels = payingTable
    .params({ kv, km, ko })
    .orderby(desc('spend'))
    .derive({ rank: () => op.rank() })
    .derive({ level: (d, $) => (d.rank <= $.kv ? 0 : d.rank <= $.km ? 1 : d.rank <= $.ko ? 2 : 3) })
    .groupby('level')
    .count({ as: 'n' })
    .objects();
  for (const { level, n } of levels) pyramid[level] = n;
  return { tiers, pyramid };
}

/** Starts the app's segmentation worker; resolves once it is ready with `bench(request)` and `stop()`. */
function startWorker() {
  return new Promise((ready, fail) => {
    const worker = new Worker('/segment_worker_loader.js');
    let pending = null;
    worker.onerror = (e) => (pending ? pending.reject : fail)(new Error(e.message));
    worker.onmessage = (e) => {
      const message = JSON.parse(e.data);
      if (message.type === 'ready') {
        ready({
          bench: (request) => new Promise((resolve, reject) => {
            pending = { resolve, reject };
            worker.postMessage(JSON.stringify({ bench: request }));
          }),
          stop: () => worker.terminate(),
        });
      } else if (message.type === 'bench_done') {
        pending.resolve(message);
      } else if (message.type === 'failed') {
        pending.reject(new Error(message.error));
      }
    };
  });
}

/**
 * Reads the rows, then runs rounds of: ours (one run in the worker, timed there), the JS
 * peer, arquero's table build and arquero, so that the machine's load swings hit all of
 * them alike. Round 0 warms up (and has the worker build its columns); the other `runs`
 * are kept. A full GC (Chromium runs with `--expose-gc`) and a pause for the GC's
 * background threads precede every timed page run, so none pays for the garbage of
 * reading the rows or of the run before.
 */
async function rounds(request, p, runs) {
  const worker = await startWorker();
  const { rows, customers } = await readRows();
  const time = async (f) => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const start = performance.now();
    const result = f();
    return [performance.now() - start, result];
  };
  const out = { rows: rows.length, customers, ours: [], js: [], table: [], arquero: [] };
  for (let i = 0; i <= runs; i++) {
    const answer = await worker.bench({ ...request, id: i + 1, runs: 1 });
    const [jsMs, js] = await time(() => segmentJs(rows, customers, p));
    const [tableMs, table] = await time(() => aq.from(rows));
    const [aqMs, arquero] = await time(() => segmentArquero(table, customers, p));
    if (i === 0) {
      out.build_ms = answer.build_ms;
      continue;
    }
    out.ours.push(answer.runs_ms[0]);
    out.js.push(jsMs);
    out.table.push(tableMs);
    out.arquero.push(aqMs);
    out.counts = answer.counts;
    out.worker_customers = answer.customers;
    out.results = { ours: { tiers: answer.tiers, pyramid: answer.pyramid }, js, arquero };
  }
  worker.stop();
  return out;
}

// ---- The run. ----

const server = spawn(process.execPath, ['scripts/serve.mjs', '--dir', 'dist', '--addr', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const origin = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/Serving (http:\/\/[\d.]+:\d+)/);
    if (m) resolve(m[1]);
  });
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc'],
});
const figures = {};
let mismatches = 0;
try {
  for (const size of sizes) {
    const s = size.toLowerCase();
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30 * 60_000);
    await page.goto(`${origin}/customers?demo=${size}`);
    await page.getByRole('button', { name: 'Load demo data' }).click();
    await page.locator('#customer-count', { hasText: `${expected[size]} customers` }).waitFor();

    // The app's "today": the browser's local date (hooks::use_customer::today).
    const today = await page.evaluate(() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    const params = resolve(today);
    await page.addScriptTag({ content: [lz4, storedItems, unpackItems, readRows, segmentJs, segmentArquero, startWorker, rounds].map(String).join('\n') });
    await page.addScriptTag({ path: 'node_modules/arquero/dist/arquero.min.js' });
    const run = await page.evaluate(
      ({ request, p, runs }) => rounds(request, p, runs),
      { request: { revision: 1, today, settings: SETTINGS, rules: RULES }, p: params, runs: RUNS },
    );

    const [oursMs, jsMs, aqMs] = [run.ours, run.js, run.arquero].map(median);
    figures[size] = { ours: oursMs, js: jsMs, arquero: aqMs, rows: run.rows };
    console.log(`# ${size}: ${run.customers} customers, ${run.rows} interactions, today ${today}; window ${params.from} ≤ at < ${params.to}`);
    line(`segment_${s}`, oursMs, 'ms', `peer=${fmt(jsMs)} ratio=${fmt(oursMs / jsMs)}`);
    line(`segment_js_${s}`, jsMs, 'ms');
    line(`segment_arquero_${s}`, aqMs, 'ms');
    line(`segment_arquero_table_${s}`, median(run.table), 'ms');
    line(`segment_columns_build_${s}`, run.build_ms, 'ms');
    line(`segment_${s}_ratio_js`, oursMs / jsMs, 'x');
    line(`segment_${s}_ratio_arquero`, oursMs / aqMs, 'x');

    const results = run.results;
    const show = (r) => `tiers ${TIERS.map((t, i) => `${t}=${r.tiers[i]}`).join(' ')} | pyramid ${LEVELS.map((l, i) => `${l}=${r.pyramid[i]}`).join(' ')}`;
    const agree = Object.values(results).every((r) => JSON.stringify(r) === JSON.stringify(results.ours));
    if (run.worker_customers !== run.customers) {
      mismatches++;
      console.error(`!!!!! MISMATCH ${size}: the worker saw ${run.worker_customers} customers, the page ${run.customers}`);
    }
    if (agree) {
      console.log(`# ${size}: all three agree: ${show(results.ours)}`);
    } else {
      mismatches++;
      console.error(`!!!!! MISMATCH ${size}: the three computations disagree`);
      for (const [name, r] of Object.entries(results)) console.error(`!!!!!   ${name.padEnd(8)} ${show(r)}`);
    }
    const runs = (ms) => ms.map(fmt).join(' ');
    console.log(`# ${size}: runs (ms): ours ${runs(run.ours)} | js ${runs(run.js)} | arquero ${runs(run.arquero)}`);
    console.log(`# ${size}: rule counts (ours) ${run.counts.map((c) => ('Ok' in c ? c.Ok : JSON.stringify(c.Err))).join(', ')}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
}

// How each figure grows with the data (BENCH.md: it should be roughly linear).
const measured = sizes.filter((s) => figures[s]);
for (let i = 1; i < measured.length; i++) {
  const [a, b] = [figures[measured[i - 1]], figures[measured[i]]];
  const growth = ['ours', 'js', 'arquero'].map((k) => `${k} ×${fmt(b[k] / a[k])}`).join(', ');
  console.log(`# growth ${measured[i - 1]}→${measured[i]} (interactions ×${fmt(b.rows / a.rows)}): ${growth}`);
}
if (mismatches) {
  console.error(`!!!!! ${mismatches} MISMATCH(ES): the figures above compare different results`);
  process.exit(1);
}
