// Trunk post_build hook: writes sw.js into the staging dist with the hashed file names of
// this build as its precache list, and a version derived from their contents, so every
// build that changes any file ships a new service worker (and so an update prompt).
// Never a hand-maintained list. Run by trunk with TRUNK_STAGING_DIR set.
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const dist = process.env.TRUNK_STAGING_DIR;
if (!dist) throw new Error('TRUNK_STAGING_DIR is not set (run through trunk build)');

async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

const files = (await walk(dist))
  .map((p) => relative(dist, p).split(sep).join('/'))
  .filter((p) => p !== 'sw.js' && !p.endsWith('.map'))
  .sort();
const hash = createHash('sha256');
for (const f of files) {
  hash.update(f);
  hash.update(await readFile(join(dist, f)));
}
const version = hash.digest('hex').slice(0, 16);
const assets = ['/', ...files.map((f) => `/${f}`)];
const template = await readFile(new URL('./sw-template.js', import.meta.url), 'utf8');
const sw = template
  .replace('__VERSION__', JSON.stringify(version))
  .replace('__ASSETS__', JSON.stringify(assets, null, 2));
await writeFile(join(dist, 'sw.js'), sw);
console.log(`sw.js: version ${version}, ${assets.length} files precached`);
