#!/usr/bin/env node
// Tiny dependency-free static file server for the trunk build in dist/ (single-page app).
//
//   node scripts/serve.mjs --dir dist --addr 127.0.0.1 --port 8080
//
// - Files are served with their MIME type (application/wasm for .wasm, so that
//   WebAssembly.instantiateStreaming works).
// - Any GET/HEAD path that is not a file returns index.html (SPA fallback), so deep links
//   such as /customers/<id> survive a reload.
// - --port 0 picks a free port; the line `Serving http://ADDR:PORT` always shows the real one.
// - Responses carry `Cache-Control: no-cache` so a rebuilt app is picked up on reload.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

function parseArgs(argv) {
  const opts = { dir: 'dist', addr: '127.0.0.1', port: 8080 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [key, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [arg, undefined];
    if (!['dir', 'addr', 'port'].includes(key)) {
      console.error(`unknown argument: ${arg}\nusage: node scripts/serve.mjs --dir dist --addr 127.0.0.1 --port 8080`);
      process.exit(2);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      console.error(`missing value for --${key}`);
      process.exit(2);
    }
    opts[key] = value;
  }
  opts.port = Number(opts.port);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error(`invalid --port: ${opts.port}`);
    process.exit(2);
  }
  opts.dir = path.resolve(opts.dir);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const indexHtml = path.join(opts.dir, 'index.html');

async function fileAt(p) {
  try {
    const s = await stat(p);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

// Maps a URL path to a file inside opts.dir, or null (never escapes the directory).
async function resolveFile(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const candidate = path.resolve(opts.dir, '.' + path.posix.normalize('/' + decoded));
  if (candidate !== opts.dir && !candidate.startsWith(opts.dir + path.sep)) return null;
  const direct = await fileAt(candidate);
  if (direct) return { file: candidate, stat: direct };
  const index = path.join(candidate, 'index.html');
  const nested = await fileAt(index);
  return nested ? { file: index, stat: nested } : null;
}

// Compressible types are sent gzip-compressed when the client accepts it (as a production
// server would); compressed bodies are cached per file version (path + mtime + size).
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.webmanifest', '.svg', '.txt', '.map']);
const gzipCache = new Map();

async function gzipped(file, stat) {
  const key = `${file}:${stat.mtimeMs}:${stat.size}`;
  let body = gzipCache.get(key);
  if (!body) {
    body = gzipSync(await readFile(file), { level: 9 });
    gzipCache.set(key, body);
  }
  return body;
}

async function send(req, res, status, file, stat) {
  const ext = path.extname(file).toLowerCase();
  const headers = {
    'Content-Type': MIME[ext] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept-Encoding',
  };
  if (COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    const body = await gzipped(file, stat);
    res.writeHead(status, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': body.length });
    return res.end(req.method === 'HEAD' ? undefined : body);
  }
  res.writeHead(status, { ...headers, 'Content-Length': stat.size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

const server = createServer(async (req, res) => {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('method not allowed\n');
    }
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    const found = (await resolveFile(urlPath)) ?? (await resolveFile('/index.html'));
    if (!found) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end(`not found (no ${indexHtml})\n`);
    }
    await send(req, res, 200, found.file, found.stat);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('internal error\n');
  }
});

server.on('error', (err) => {
  console.error(`serve.mjs: ${err.message}`);
  process.exit(1);
});

server.listen(opts.port, opts.addr, () => {
  const { port } = server.address();
  const host = opts.addr.includes(':') ? `[${opts.addr}]` : opts.addr;
  console.log(`Serving http://${host}:${port}`);
  console.log(`  from ${opts.dir}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
