/**
 * End-to-end test in a real VS Code: the packaged .vsix installed into code-server, driven through
 * Debian's headless Chromium with playwright-core. It asserts what a user sees:
 *   1. a plan with two independent errors (a GPU typo and a TP wider than a node) shows both at once,
 *      underlined and in Problems with the validator's messages;
 *   2. the did-you-mean quick fix and the nearest-valid-TP quick fix clear them;
 *   3. the Run plan CodeLens opens the plan panel, showing the split the job worker computes for the
 *      plan outside VS Code; Compare, Simulate and Sweep open their panels;
 *   4. every panel, at 1600×1000 and 900×700, in the dark, light and high-contrast themes (switched
 *      live, panels open): nothing wider than the panel, every chart drawn with titled axes of which
 *      one at least is numeric with rounded ticks, axis titles and status text readable (WCAG AA);
 *      each state is screenshot after its checks, at the top and scrolled to the end
 *      (test-results/e2e/<panel>-panel-<theme>-<size>[-end].png, listed with what was checked in
 *      test-results/e2e/checked.json);
 *   5. New Plan File writes a plan that validates and plans.
 * Exit code 0 only when every check passed. `npm run docs:images` copies the README's and
 * docs/extension.md's images from the latest passing run.
 *
 * Run through `npm run test:e2e` (which packages the .vsix and runs scripts/e2e-setup.sh first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Frame, type Locator, type Page } from 'playwright-core';
import { JobClient } from '../../src/extension/jobClient';
import { defaultSweepRates, type JobResult } from '../../src/workers/jobProtocol';
import { formatDeployment } from '../../src/core/spec/deployment';

const root = resolve(__dirname, '../..');
const results = join(root, 'test-results', 'e2e');
const vsix = join(root, 'pd-planner.vsix');
const TYPO_MESSAGE = "unknown GPU 'H2O'; did you mean 'H20'?";
const TP_MESSAGE = 'TP 16 exceeds the 8 GPUs per node of the cluster';
const TP_FIX = 'Change TP to 8 (the nearest valid TP)';
/** What the quick fixes turn the workspace plan into: the plan the job worker is asked about. */
const fixedPlan = (text: string) =>
  text.replace('gpu: H2O', 'gpu: H20').replace('tpDegrees: [1, 2, 4, 16]', 'tpDegrees: [1, 2, 4, 8]');
const STEP_TIMEOUT_MS = Number(process.env.PDPLAN_E2E_STEP_TIMEOUT_MS ?? 120_000);

function log(message: string): void {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function setup(): { node24: string; codeServer: string; chromium: string } {
  const out = spawnSync('bash', [join(root, 'scripts', 'e2e-setup.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error(`scripts/e2e-setup.sh failed (exit ${out.status})`);
  const value = (key: string) => {
    const line = out.stdout.split('\n').find((l) => l.startsWith(`${key}=`));
    if (!line) throw new Error(`scripts/e2e-setup.sh did not print ${key}=`);
    return line.slice(key.length + 1);
  };
  return { node24: value('NODE24'), codeServer: value('CODE_SERVER'), chromium: value('CHROMIUM') };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}

/** What the panel must show: the split the job worker recommends for the fixed plan, outside VS Code. */
async function expectedSplit(planFile: string): Promise<string> {
  const client = new JobClient(join(root, 'dist', 'jobWorker.js'));
  try {
    const text = fixedPlan(readFileSync(planFile, 'utf8'));
    const rate = Number(/ratePerSec:\s*([\d.]+)/.exec(text)?.[1] ?? 2);
    const { result } = await client.run({
      type: 'plan',
      source: { text, fileName: planFile },
      sweepRates: defaultSweepRates(rate),
    }).promise;
    const recommended = (result as Extract<JobResult, { kind: 'plan' }>).plan.recommended.deployment;
    return recommended ? formatDeployment(recommended) : 'none';
  } finally {
    await client.dispose();
  }
}

function writeSettings(userData: string, theme: string): void {
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.colorTheme': theme,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'update.mode': 'none',
        'editor.minimap.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'window.commandCenter': false,
        'workbench.editor.enablePreview': false,
      },
      null,
      2,
    ),
  );
}

async function runCommand(page: Page, title: string, timeoutMs?: number): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // Right after a theme switch the workbench can be inert for a moment and close the palette it
  // just opened: open it again rather than wait out the whole step on a closed one.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 5_000 : timeoutMs });
      await input.fill(`>${title}`, { timeout: attempt < 3 ? 5_000 : timeoutMs });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`the command palette closed before '${title}' could be typed; opening it again`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

async function openFile(page: Page, name: string): Promise<void> {
  // Plans open in the first group (the panels keep the second); clicking its tab also takes the focus from a webview.
  const firstGroupTab = page.locator('.editor-group-container').first().locator('.tab.active');
  if ((await firstGroupTab.count()) > 0) await firstGroupTab.first().click();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page
    .locator(`.tab.active[aria-label*="${name}"], .tab.active:has-text("${name}")`)
    .first()
    .waitFor({ state: 'visible' });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

/** The webview's inner frame that rendered a panel of `kind`, its heading naming `title` when given (webviews are nested iframes). */
async function panelFrame(page: Page, kind: string, title?: string): Promise<Frame> {
  return waitFor(`the ${kind} panel${title ? ` of ${title}` : ''} to render`, async () => {
    for (const frame of page.frames()) {
      const rendered = await frame
        .evaluate(() => ({
          kind: document.body?.dataset.rendered,
          heading: document.querySelector('h1')?.textContent ?? '',
        }))
        .catch(() => undefined);
      if (rendered?.kind === kind && (title === undefined || rendered.heading.includes(title))) return frame;
    }
    return undefined;
  });
}

/** True when the canvas has non-transparent pixels: the chart actually drew. */
async function drawnCharts(frame: Frame): Promise<{ total: number; drawn: number }> {
  return frame.evaluate(() => {
    const canvases = Array.from(document.querySelectorAll('canvas'));
    const drawn = canvases.filter((c) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) return false;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
      return false;
    });
    return { total: canvases.length, drawn: drawn.length };
  });
}

/**
 * Presses `shortcut` until `row` shows in the widget it opens. Under load the first press can come
 * before the language features are ready (no code actions, no completions yet): ask again.
 */
async function openWidget(page: Page, shortcut: string, row: Locator, what: string): Promise<void> {
  await waitFor(what, async () => {
    if (await row.first().isVisible()) return true;
    await page.keyboard.press('Escape');
    await page.keyboard.press(shortcut);
    await row
      .first()
      .waitFor({ state: 'visible', timeout: 4000 })
      .catch(() => undefined);
    return row.first().isVisible();
  });
}

/** Best effort: a command the screenshots want but the assertions do not depend on. */
async function tryCommand(page: Page, title: string): Promise<void> {
  try {
    // Optional commands: a short wait, since one this VS Code lacks would otherwise hold the run for the default 30 s.
    await runCommand(page, title, 5000);
    await page.waitForTimeout(400);
  } catch {
    await page.keyboard.press('Escape');
    log(`(could not run '${title}'; screenshot taken as is)`);
  }
}

async function shot(page: Page, name: string): Promise<string> {
  const file = `${name}.png`;
  await page.screenshot({ path: join(results, file) });
  log(`screenshot test-results/e2e/${file}`);
  return file;
}

const THEMES = [
  { key: 'dark', search: 'Dark Modern', label: /(Default )?Dark Modern/, workbench: '.monaco-workbench.vs-dark' },
  { key: 'light', search: 'Light Modern', label: /(Default )?Light Modern/, workbench: '.monaco-workbench.vs' },
  {
    key: 'high-contrast',
    search: 'High Contrast',
    label: /(Dark|Default) High Contrast/,
    workbench: '.monaco-workbench.hc-black',
  },
] as const;
type Theme = (typeof THEMES)[number];

const SIZES = [
  { width: 1600, height: 1000 },
  { width: 900, height: 700 },
] as const;

/** The panels, by their tab title and the `data-rendered` kind their webview reports. */
const PANELS = [
  { kind: 'plan', tab: 'Plan · ', minCharts: 3 },
  { kind: 'simulation', tab: 'Simulation · ', minCharts: 5 },
  { kind: 'comparison', tab: 'Compare · ', minCharts: 3 },
  { kind: 'sweep', tab: 'Rate sweep · ', minCharts: 1 },
  { kind: 'pareto', tab: 'Pareto · ', minCharts: 4 },
] as const;

/** Switches the colour theme live, through the theme picker, with the panels open. */
async function setTheme(page: Page, theme: Theme): Promise<void> {
  if ((await page.locator(theme.workbench).count()) > 0) return;
  await focusWorkbench(page);
  // Clicked by its exact name: Enter would take the first match, which can be 'Browse Color Themes in Marketplace'.
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>Preferences: Color Theme');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ })
    .first()
    .click();
  await page.waitForTimeout(600);
  // The picker's list is virtual (only rows in view exist): filter it to the theme first.
  await page.locator('.quick-input-widget input').fill(theme.search);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: theme.label }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await waitFor(`the ${theme.key} theme`, async () => (await page.locator(theme.workbench).count()) > 0, 20_000);
  await page.waitForTimeout(800);
}

/** Focus on the workbench, not a webview: a palette opened from a focused webview can lose its keys. */
async function focusWorkbench(page: Page): Promise<void> {
  await page.locator('.tab', { hasText: 'compare.pdplan.yaml' }).first().click();
}

interface PanelCheck {
  panelWidth: number;
  documentWidth: number;
  overflowing: string[];
  charts: { label: string; axes: { id: string; type: string; title: string; ticks: string[]; colour: string }[] }[];
  lowContrast: string[];
}

/**
 * Inside a panel's webview: the widest thing against the panel's width (an element inside a
 * `.table-scroll` may be wider than the panel: its container scrolls), each chart's axes as
 * charts.ts recorded them, and text whose colour reads below 4.5:1 on what is behind it.
 */
async function inspectPanel(frame: Frame): Promise<PanelCheck> {
  // tsx (esbuild, keepNames) wraps the named helpers below in `__name(...)`, which the page lacks.
  await frame.evaluate('globalThis.__name ??= (fn) => fn');
  return frame.evaluate(() => {
    const panelWidth = document.documentElement.clientWidth;
    const describe = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''} "${(e.textContent ?? '').trim().slice(0, 40)}"`;
    const overflowing: string[] = [];
    for (const e of Array.from(document.body.querySelectorAll('*'))) {
      const scroller = e.closest('.table-scroll');
      if (scroller && scroller !== e) continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > panelWidth + 1 || r.left < -1)
        overflowing.push(`${describe(e)} spans ${Math.round(r.left)}–${Math.round(r.right)} px of ${panelWidth}`);
    }
    const charts = Array.from(document.querySelectorAll('canvas')).map((c) => ({
      label: c.getAttribute('aria-label') ?? '',
      axes: JSON.parse(c.dataset.axes ?? '[]'),
    }));
    // WCAG relative luminance and contrast of text against its composited background.
    const parse = (text: string): number[] | undefined => {
      const m = /rgba?\(([^)]+)\)/.exec(text);
      if (!m) return undefined;
      const p = m[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [p[0], p[1], p[2], p[3] ?? 1];
    };
    const lum = (c: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const over = (top: number[], under: number[]) =>
      [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
    const backgroundOf = (e: Element | null): number[] => {
      const layers: number[][] = [];
      for (let n = e; n; n = n.parentElement) {
        const bg = parse(getComputedStyle(n).backgroundColor);
        if (bg && bg[3] > 0) {
          layers.push(bg);
          if (bg[3] >= 1) break;
        }
      }
      let colour = parse(getComputedStyle(document.documentElement).backgroundColor) ?? [255, 255, 255, 1];
      if (colour[3] < 1) colour = parse(getComputedStyle(document.body).backgroundColor) ?? colour;
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const ratio = (a: number[], b: number[]) => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    const lowContrast: string[] = [];
    for (const e of Array.from(document.body.querySelectorAll('main *'))) {
      const ownText = Array.from(e.childNodes).some(
        (n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '',
      );
      if (!ownText || e.closest('vscode-button')) continue;
      const fg = parse(getComputedStyle(e).color);
      if (!fg) continue;
      const bg = backgroundOf(e);
      const r = ratio(over(fg, bg), bg);
      if (r < 4.5) lowContrast.push(`${describe(e)} ${r.toFixed(2)}:1`);
    }
    const toRgb = (colour: string) => {
      const probe = document.createElement('span');
      probe.style.color = colour;
      document.body.append(probe);
      const rgb = getComputedStyle(probe).color;
      probe.remove();
      return rgb;
    };
    for (const chart of charts) {
      for (const axis of chart.axes) {
        const fg = parse(toRgb(axis.colour));
        if (fg && ratio(over(fg, backgroundOf(document.body)), backgroundOf(document.body)) < 4.5)
          lowContrast.push(`${chart.label} axis ${axis.id} title ${axis.colour}`);
      }
    }
    return { panelWidth, documentWidth: document.documentElement.scrollWidth, overflowing, charts, lowContrast };
  });
}

const NUMERIC_TICK = /^-?[\d,]*\.?\d+%?$/;

/** The assertions of one panel in one theme at one size; throws with every problem found. */
function assertPanel(name: string, check: PanelCheck, minCharts: number): string[] {
  const problems: string[] = [];
  if (check.documentWidth > check.panelWidth + 1)
    problems.push(`the page is ${check.documentWidth} px wide in a ${check.panelWidth} px panel`);
  problems.push(...check.overflowing.slice(0, 5).map((o) => `overflows: ${o}`));
  if (check.charts.length < minCharts) problems.push(`${check.charts.length} charts, expected at least ${minCharts}`);
  for (const chart of check.charts) {
    if (chart.axes.length < 2) problems.push(`chart '${chart.label}' has ${chart.axes.length} axes`);
    for (const axis of chart.axes)
      if (!axis.title) problems.push(`chart '${chart.label}': axis ${axis.id} has no title`);
    const numeric = chart.axes.filter((a) => a.type === 'linear' || a.type === 'logarithmic');
    if (numeric.length === 0)
      problems.push(
        `chart '${chart.label}' has no numeric axis (${chart.axes.map((a) => `${a.id}:${a.type}`).join(', ')})`,
      );
    for (const axis of numeric) {
      const labels = axis.ticks.filter((t) => t !== '');
      if (labels.length < 2)
        problems.push(`chart '${chart.label}': numeric axis ${axis.id} shows ${labels.length} tick labels`);
      const bad = labels.filter((t) => !NUMERIC_TICK.test(t) || (t.split('.')[1]?.length ?? 0) > 3);
      if (bad.length > 0)
        problems.push(
          `chart '${chart.label}': axis ${axis.id} tick labels not rounded numbers: ${bad.slice(0, 3).join(', ')}`,
        );
    }
  }
  problems.push(...check.lowContrast.slice(0, 5).map((c) => `low contrast: ${c}`));
  if (problems.length > 0) throw new Error(`${name}:\n  - ${problems.join('\n  - ')}`);
  return check.charts.map((c) => `${c.label}: ${c.axes.map((a) => `${a.id} ${a.type} "${a.title}"`).join(', ')}`);
}

/** Every file the README links to or shows is in the .vsix, so the Extensions view shows no broken image or link. */
function checkPackagedReadme(): void {
  const listed = spawnSync(
    process.execPath,
    [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'],
    { cwd: root, encoding: 'utf8' },
  );
  if (listed.status !== 0) throw new Error(`vsce ls failed: ${listed.stderr}`);
  const packaged = new Set(
    listed.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z]+:/.test(t));
  const missing = targets.filter((t) => !packaged.has(t));
  for (const required of ['LICENSE', 'media/icon.png']) if (!packaged.has(required)) missing.push(required);
  if (missing.length > 0) throw new Error(`the .vsix lacks what the README links to: ${missing.join(', ')}`);
  log(`the .vsix holds all ${targets.length} files the README links to, LICENSE and the icon`);
}

async function main(): Promise<void> {
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run 'npm run package' first (npm run test:e2e does)`);
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  checkPackagedReadme();
  const tools = setup();
  const scratch = mkdtempSync(join(tmpdir(), 'pdplan-e2e-'));
  const userData = join(scratch, 'user-data');
  const extensions = join(scratch, 'extensions');
  const workspace = join(scratch, 'workspace');
  cpSync(join(__dirname, 'workspace'), workspace, { recursive: true });
  writeSettings(userData, 'Default Dark Modern');

  log('computing the expected recommendation outside VS Code');
  const expected = await expectedSplit(join(workspace, 'toolbench.pdplan.yaml'));
  log(`expected split ${expected}`);

  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  const install = spawnSync(tools.node24, [tools.codeServer, ...common, '--install-extension', vsix], {
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`installing the .vsix failed:\n${install.stdout}\n${install.stderr}`);
  log(install.stdout.trim().split('\n').pop() ?? 'installed');

  const port = await freePort();
  const server: ChildProcess = spawn(
    tools.node24,
    [
      tools.codeServer,
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      workspace,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let serverLog = '';
  server.stdout?.on('data', (d) => (serverLog += d));
  server.stderr?.on('data', (d) => (serverLog += d));
  const browser = await chromium.launch({
    executablePath: tools.chromium,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  let failed = false;
  let page: Page | undefined;
  const checked: {
    screenshot: string;
    end: string;
    panel: string;
    theme: string;
    size: string;
    panelWidth: number;
    charts: string[];
  }[] = [];
  try {
    await waitFor(
      'code-server to listen',
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok,
      60_000,
    );
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    log('workbench loaded');

    // 1. Two independent errors, both shown at once: the GPU typo does not hide the TP error.
    await openFile(page, 'toolbench.pdplan.yaml');
    await page
      .locator('.monaco-editor .squiggly-error')
      .first()
      .waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: TYPO_MESSAGE });
    const tpProblem = page.locator('.markers-panel .monaco-list-row', { hasText: TP_MESSAGE });
    await problem.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await tpProblem.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    log(`Problems lists both: ${TYPO_MESSAGE} | ${TP_MESSAGE}…`);
    await shot(page, 'editor-diagnostics-dark');

    // 2. The quick fixes: did-you-mean for the GPU, the nearest valid TP for the TP.
    const planText = readFileSync(join(workspace, 'toolbench.pdplan.yaml'), 'utf8').split('\n');
    const at = (needle: string) => {
      const line = planText.findIndex((l) => l.includes(needle));
      return `:${line + 1}:${planText[line].indexOf(needle) + 1}`;
    };
    const applyFix = async (position: string, title: string) => {
      await page!.locator('.monaco-editor .view-lines').first().click();
      await page!.keyboard.press('Control+G');
      await page!.locator('.quick-input-widget input').fill(position);
      await page!.keyboard.press('Enter');
      const fix = page!.locator('.action-widget .monaco-list-row', { hasText: title });
      await openWidget(page!, 'Control+.', fix, `the quick fix '${title}'`);
      await fix.first().click();
    };
    await applyFix(at('H2O'), "Change to 'H20'");
    await waitFor('the GPU problem to clear', async () => (await problem.count()) === 0);
    await applyFix(at('16]'), TP_FIX);
    await waitFor(
      'every squiggle and problem to clear',
      async () =>
        (await page!.locator('.monaco-editor .squiggly-error').count()) === 0 && (await tpProblem.count()) === 0,
    );
    // What the fixes wrote, read back from disk after saving: the whole file, not the lines in view.
    await page.keyboard.press('Control+S');
    const planFile = join(workspace, 'toolbench.pdplan.yaml');
    const wanted = fixedPlan(planText.join('\n'));
    await waitFor(
      "the plan saved with exactly 'gpu: H20' and 'tpDegrees: [1, 2, 4, 8]' changed",
      async () => readFileSync(planFile, 'utf8') === wanted,
      20_000,
    );
    log(`quick fixes applied (H2O → H20, ${TP_FIX}); diagnostics cleared`);

    // 2b. Completion offers the routing policies at `routing:`; hovering a key shows its documentation.
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').fill(':26:12');
    await page.keyboard.press('Enter');
    const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: 'threshold' });
    await openWidget(page, 'Control+Space', suggestion, 'routing completions');
    const offered = await page.locator('.suggest-widget .monaco-list-row').allInnerTexts();
    log(`completion at routing: ${offered.map((t) => t.split('\n')[0]).join(', ')}`);
    await page.keyboard.press('Escape');
    const hover = page.locator('.monaco-hover', { hasText: 'Time-to-first-token target' });
    await waitFor('the hover on ttftMs', async () => {
      await page!
        .locator('.monaco-editor .view-line span', { hasText: /^ttftMs$/ })
        .first()
        .hover();
      await hover
        .first()
        .waitFor({ state: 'visible', timeout: 4000 })
        .catch(() => undefined);
      if (await hover.first().isVisible()) return true;
      await page!.mouse.move(5, 5);
      return false;
    });
    log('hover on ttftMs shows its schema description');
    await shot(page, 'editor-hover-dark');
    await page.mouse.move(5, 5);
    await tryCommand(page, 'View: Hide Panel');

    // 3. The Run plan CodeLens opens the plan panel: charts drawn, recommended split shown.
    // The lenses sit above the first line: back to the top of the file.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    const lens = page.locator('.codelens-decoration a', { hasText: 'Run plan' }).first();
    await lens.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    // Lenses are redrawn after edits: a click that lands on one being replaced does nothing, so click
    // again until the job shows (its progress notification) or the panel opens.
    const started = page
      .locator('.notification-toast', { hasText: /planning/i })
      .or(page.locator('.tab', { hasText: 'Plan · ' }));
    await waitFor('the Run plan CodeLens to start a plan', async () => {
      await lens.click();
      await started
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 })
        .catch(() => undefined);
      return started.first().isVisible();
    });
    log('clicked the Run plan CodeLens');
    const planFrame = await panelFrame(page, 'plan');
    const split = (await planFrame.locator('[data-testid="recommended-split"]').innerText()).trim();
    if (split !== expected) throw new Error(`the plan panel shows split '${split}', expected '${expected}'`);
    const planCharts = await waitFor('plan charts to draw', async () => {
      const c = await drawnCharts(planFrame);
      return c.total >= 3 && c.drawn === c.total ? c : undefined;
    });
    const candidates = await planFrame.locator('table.grid tbody tr').count();
    if (candidates < 1) throw new Error('the ranked candidates table is empty');
    log(`plan panel: split ${split}, ${planCharts.drawn}/${planCharts.total} charts drawn, ${candidates} table rows`);

    // Export Markdown from the panel's button: the save dialog offers the workspace, the report lands there.
    await planFrame.getByText('Export Markdown', { exact: true }).first().click();
    const saveInput = page.locator('.quick-input-widget input');
    await waitFor('the save dialog', async () => (await saveInput.inputValue().catch(() => '')).endsWith('.md'));
    log(`save dialog offers ${await saveInput.inputValue()}`);
    await page.keyboard.press('Enter');
    const reportFile = join(workspace, 'toolbench-qwen3-32b-plan.md');
    const report = await waitFor('the exported report', async () =>
      existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : undefined,
    );
    if (!report.includes(expected))
      throw new Error(`the exported report does not name the recommended split ${expected}:\n${report.slice(0, 400)}`);
    writeFileSync(join(results, 'plan-report.md'), report);
    log(`exported ${report.split('\n').length} lines of Markdown naming ${expected} (test-results/e2e/plan-report.md)`);

    // 4. Compare opens the comparison panel with two columns (base plan and its variant), in the panels' group.
    await openFile(page, 'compare.pdplan.yaml');
    await runCommand(page, 'PD Planner: Compare Configurations');
    await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'wider-decode' })
      .first()
      .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    const compareFrame = await panelFrame(page, 'comparison');
    const columns = await compareFrame.locator('table.comparison').getAttribute('data-columns');
    const headers = await compareFrame.locator('table.comparison thead th').allInnerTexts();
    if (columns !== '2' || headers.length !== 3)
      throw new Error(`the comparison shows ${columns} columns (${headers.join(' | ')}), expected 2`);
    const differing = await compareFrame.locator('table.comparison td.differs').count();
    if (differing === 0) throw new Error('the comparison highlights no differences between two different layouts');
    log(`comparison panel: columns ${headers.slice(1).join(' | ')}, ${differing} differing cells`);

    // 5. Simulate Deployment on the plan's own `deployment:` opens the simulation panel.
    await focusWorkbench(page);
    await runCommand(page, 'PD Planner: Simulate Deployment');
    const simFrame = await panelFrame(page, 'simulation');
    const simulated = (await simFrame.locator('[data-testid="deployment"]').innerText()).trim();
    if (simulated !== 'P:2x1,D:1x1')
      throw new Error(`the simulation panel shows '${simulated}', expected the plan's P:2x1,D:1x1`);
    log(`simulation panel: ${simulated}`);

    // 6. Sweep Arrival Rate: the suggested rates around the plan's, one table row each.
    await focusWorkbench(page);
    await runCommand(page, 'PD Planner: Sweep Arrival Rate');
    const ratesInput = page.locator('.quick-input-widget input');
    await waitFor('the sweep rates prompt', async () => /\d/.test(await ratesInput.inputValue().catch(() => '')));
    const suggestedRates = (await ratesInput.inputValue()).split(',').length;
    await page.keyboard.press('Enter');
    const sweepFrame = await panelFrame(page, 'sweep');
    const sweepRows = await sweepFrame.locator('table.grid tbody tr').count();
    if (sweepRows !== suggestedRates)
      throw new Error(`the sweep panel lists ${sweepRows} rates, ${suggestedRates} were asked for`);
    log(`sweep panel: ${sweepRows} rates`);

    // 6b. Show Pareto Frontier: the sweep runs on the job worker; four charts (per session and per round), the frontier table.
    await focusWorkbench(page);
    await runCommand(page, 'PD Planner: Show Pareto Frontier');
    const paretoFrame = await panelFrame(page, 'pareto');
    const paretoCharts = await waitFor('the Pareto charts to draw', async () => {
      const c = await drawnCharts(paretoFrame);
      return c.total >= 4 && c.drawn === c.total ? c : undefined;
    });
    const against = await paretoFrame
      .locator('canvas[data-against]')
      .evaluateAll((all) => all.map((c) => (c as HTMLElement).dataset.against));
    if (against.join(',') !== 'tokensPerSecPerUser,ttftP90Ms,turn1TtftP90Ms,turn2plusTtftP90Ms')
      throw new Error(`the Pareto panel charts ${against.join(', ')}`);
    const frontierRows = await paretoFrame.locator('table.grid tbody tr').count();
    if (frontierRows < 1) throw new Error('the Pareto panel lists no frontier point');
    const paretoLegend = await paretoFrame.locator('.chart-note').first().innerText();
    if (!/SLO/.test(paretoLegend))
      throw new Error(`the Pareto chart does not say which side the SLO allows: '${paretoLegend}'`);
    log(
      `pareto panel: ${paretoCharts.drawn}/${paretoCharts.total} charts drawn (${against.join(', ')}), ${frontierRows} frontier rows`,
    );

    // One panel per kind, all in one editor group beside the plans: no pile of columns.
    const groups = await page.locator('.editor-group-container').count();
    if (groups !== 2)
      throw new Error(`${groups} editor groups after five panels, expected 2 (the plans and the panels)`);
    const panelTabs = await page
      .locator('.tab', { hasText: /^(Plan|Simulation|Compare|Rate sweep|Pareto) · / })
      .count();
    if (panelTabs !== 5) throw new Error(`${panelTabs} panel tabs, expected one per kind (5)`);

    // 7. Every panel, every theme (switched live), both sizes: layout, axes, contrast; then the screenshot.
    await tryCommand(page, 'View: Close Primary Side Bar');
    // The panel in view when the theme changes is checked first, without touching its tab: that
    // checks the live switch (webview redrawn in place); the others load afresh in the new theme.
    let inView: (typeof PANELS)[number] = PANELS[PANELS.length - 1];
    for (const theme of THEMES) {
      await setTheme(page, theme);
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.waitForTimeout(600);
        for (const panel of [inView, ...PANELS.filter((p) => p !== inView)]) {
          inView = panel;
          await page.locator('.tab', { hasText: panel.tab }).first().click();
          const frame = await panelFrame(page, panel.kind);
          await waitFor(`the ${panel.kind} charts to draw`, async () => {
            const c = await drawnCharts(frame);
            return c.total >= panel.minCharts && c.drawn === c.total ? c : undefined;
          });
          // The webview may still be taking the theme's colours: let a frame pass.
          await page.waitForTimeout(300);
          const name = `${panel.kind}-panel-${theme.key}-${size.width}x${size.height}`;
          const check = await inspectPanel(frame);
          const charts = assertPanel(name, check, panel.minCharts);
          const screenshot = await shot(page, name);
          // The rest of the panel, below the fold: scrolled to its end for a second picture.
          await frame.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          await page.waitForTimeout(150);
          const end = await shot(page, `${name}-end`);
          await frame.evaluate(() => window.scrollTo(0, 0));
          checked.push({
            screenshot,
            end,
            panel: panel.kind,
            theme: theme.key,
            size: `${size.width}x${size.height}`,
            panelWidth: check.panelWidth,
            charts,
          });
          log(
            `${name}: ${check.panelWidth} px wide, nothing overflows, ${check.charts.length} charts with titled numeric axes, text ≥ 4.5:1`,
          );
        }
      }
    }
    writeFileSync(join(results, 'checked.json'), JSON.stringify(checked, null, 2));
    await page.setViewportSize(SIZES[0]);
    await setTheme(page, THEMES[0]);

    // 7b. Export Deployment Files on the plan's deployment (P:2x1,D:1x1): vLLM, opened as untitled documents.
    await focusWorkbench(page);
    await runCommand(page, 'PD Planner: Export Deployment Files');
    const formatRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'vLLM' }).first();
    await formatRow.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const formatTitle = await page.locator('.quick-input-widget .quick-input-title').innerText();
    if (!formatTitle.includes('P:2x1,D:1x1'))
      throw new Error(`the format pick is titled '${formatTitle}', expected it to name P:2x1,D:1x1`);
    await formatRow.click();
    const untitledRow = page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Open as untitled documents' })
      .first();
    await untitledRow.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await untitledRow.click();
    const exported = page.locator('.notification-toast', { hasText: /files opened/ }).first();
    await exported.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const exportMessage = await exported.innerText();
    const launch = page.locator('.monaco-editor .view-lines', { hasText: '--tensor-parallel-size 2' }).first();
    await launch.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    // An untitled tab is labelled with its first line (`#!/usr/bin/env bash`) and described as `Untitled-N`.
    const untitledTabs = await page.locator('.tab', { hasText: /Untitled-\d/ }).count();
    if (untitledTabs < 2)
      throw new Error(`${untitledTabs} untitled documents after the vLLM export, expected one per file`);
    log(
      `export: ${exportMessage.split('\n')[0].slice(0, 200)}; ${untitledTabs} untitled documents, a launch script with --tensor-parallel-size 2`,
    );
    await shot(page, 'export-deployment');

    // 8. New Plan File: three quick picks write a plan that validates and plans.
    await page.locator('.tab', { hasText: 'compare.pdplan.yaml' }).first().click();
    await page.locator('.monaco-editor .view-lines').first().click();
    await runCommand(page, 'PD Planner: New Plan File');
    for (const [step, choice] of [
      ['1/3', 'Llama-3.1-8B'],
      ['2/3', 'H100-SXM'],
      ['3/3', 'HotpotQA'],
    ]) {
      await page
        .locator('.quick-input-widget .quick-input-title', { hasText: `New plan (${step})` })
        .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      await page.locator('.quick-input-widget input').fill(choice);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: choice })
        .first()
        .waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
    }
    await page
      .locator('.monaco-editor .view-lines', { hasText: 'name: hotpotqa-llama-3-1-8b' })
      .first()
      .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await runCommand(page, 'PD Planner: Run Plan');
    const newPlanFrame = await panelFrame(page, 'plan', 'hotpotqa-llama-3-1-8b');
    const newSplit = (await newPlanFrame.locator('[data-testid="recommended-split"]').innerText()).trim();
    if (!newSplit) throw new Error("the new plan's panel shows no recommended split");
    const newPlanErrors = await page.locator('.monaco-editor .squiggly-error').count();
    if (newPlanErrors > 0) throw new Error(`the new plan file has ${newPlanErrors} errors underlined`);
    log(`new plan file: written from three quick picks, no errors, planned: ${newSplit}`);
    await shot(page, 'new-plan');
    log(`PASS (${checked.length} panel states checked and screenshot)`);
  } catch (error) {
    failed = true;
    console.error(`[e2e] FAIL: ${error instanceof Error ? error.message : String(error)}`);
    if (page) await page.screenshot({ path: join(results, 'failure.png') }).catch(() => undefined);
    writeFileSync(join(results, 'code-server.log'), serverLog);
    if (checked.length > 0) writeFileSync(join(results, 'checked.json'), JSON.stringify(checked, null, 2));
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!failed) writeFileSync(join(results, 'PASSED'), `${new Date().toISOString()}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(`[e2e] FAIL: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
