/**
 * Renders the extension icon (media/icon.png, 128×128, what the Marketplace and the Extensions view
 * show) from media/icon.svg with the headless Chromium the end-to-end test installs
 * (scripts/e2e-setup.sh). Prefill and decode blocks on a dark tile that reads on light and dark.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(__dirname, '..');

async function main(): Promise<void> {
  const svg = readFileSync(join(root, 'media', 'icon.svg'), 'utf8').replace('<svg ', '<svg width="88" height="88" ');
  const html = `<!DOCTYPE html><html><body style="margin:0;background:transparent">
<div style="width:128px;height:128px;border-radius:22px;background:#1f2937;display:flex;align-items:center;justify-content:center">${svg}</div>
</body></html>`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
    await page.setContent(html);
    await page.screenshot({ path: join(root, 'media', 'icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log('wrote media/icon.png');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
