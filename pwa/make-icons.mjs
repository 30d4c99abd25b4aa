// Renders the PNG icons from their SVG sources with headless Chromium (run by hand when
// the icon changes; the PNGs are committed):  node pwa/make-icons.mjs
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const jobs = [
  ['public/icon.svg', 192, 'public/icons/icon-192.png'],
  ['public/icon.svg', 512, 'public/icons/icon-512.png'],
  ['pwa/maskable.svg', 512, 'public/icons/maskable-512.png'],
];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [src, size, out] of jobs) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const svg = await readFile(src, 'utf8');
  await page.setContent(`<html><body style="margin:0">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
  await page.screenshot({ path: out, omitBackground: true });
  await page.close();
}
await browser.close();
