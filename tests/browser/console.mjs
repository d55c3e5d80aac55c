// The web console in Debian's chromium, driven by playwright-core: log in, see the table, run a
// mapper and watch its progress bar move to 100 % without reloading, pause and resume it,
// delete it after confirming, a forged CSRF token refused, markup shown as text. Each check
// saves a screenshot in the directory given.
//
//   node console.mjs CONSOLE_SERVER SCREENSHOT_DIR
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [serverPath, shots] = process.argv.slice(2);
if (!serverPath || !shots) {
  console.error('usage: node console.mjs CONSOLE_SERVER SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

// Starts the console server on a fresh directory; resolves with its address once it listens.
function startServer() {
  const directory = mkdtempSync(join(tmpdir(), 'massmigration-browser-'));
  const server = spawn(serverPath, [directory], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server.on('exit', (code) => reject(new Error(`console server exited with ${code}`)));
    createInterface({ input: server.stdout }).on('line', (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) resolve({ server, directory, base: `http://127.0.0.1:${match[1]}/massmigrations` });
    });
  });
}

const { server, directory, base } = await startServer();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
page.setDefaultTimeout(30000);
// A script error, a refused inline script (CSP) or an alert box fails the run.
const pageProblems = [];
page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
page.on('console', (message) => {
  if (message.type() === 'error' && !/status of 403/.test(message.text())) {
    pageProblems.push(`console error: ${message.text()}`);
  }
});
page.on('dialog', (dialog) => {
  pageProblems.push(`a dialog opened: ${dialog.message()}`);
  dialog.dismiss();
});

const mapper = 'browser:0002_mark_items';
const cell = `.cell[data-key="${mapper}"][data-alias="default"]`;
const section = 'section.database:has(h2:text-is("default"))';

function check(condition, what) {
  if (!condition) throw new Error(what);
}
async function badge() {
  return (await page.locator(`${cell} .badge`).textContent()).trim();
}
async function waitForBadge(status) {
  await page.waitForFunction(
    ([selector, wanted]) => document.querySelector(selector + ' .badge')?.textContent === wanted,
    [cell, status]);
}
async function progressValue() {
  return page.locator(`${cell} progress`).evaluate((bar) => ({ value: bar.value, max: bar.max }));
}
async function apiStatus() {
  const response = await page.request.get(`${base}/api/status`);
  const migration = (await response.json()).find((m) => m.key === mapper);
  return migration.databases.default;
}

const checks = [
  ['login', async () => {
    await page.goto(`${base}/`);
    check(page.url().endsWith('/massmigrations/login'), `not sent to the login page: ${page.url()}`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'browser-test');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
    check(await page.locator('table.grid').isVisible(), 'no table after logging in');
    check((await page.locator('tbody tr').count()) === 3, 'the table does not list 3 migrations');
    check((await badge()) === 'NOT_RUN', `the mapper shows ${await badge()}`);
  }],
  ['markup-as-text', async () => {
    const text = await page.locator('tr:has(a:text-is("browser:0003_markup")) .description').textContent();
    check(text === '<script>alert(1)</script>', `the description reads ${text}`);
  }],
  ['run-and-watch', async () => {
    await page.goto(`${base}/migrations/${mapper}`);
    await Promise.all([page.waitForURL(`${base}/migrations/${mapper}`),
                       page.click(`${section} form[action$="/default/run"] button`)]);
    await page.evaluate(() => { window.notReloaded = true; });
    await page.waitForFunction((selector) => {
      const bar = document.querySelector(selector + ' progress');
      return bar !== null && bar.value > 0 && bar.value < bar.max;
    }, cell);
    const first = await progressValue();
    await page.waitForFunction(([selector, before]) =>
      document.querySelector(selector + ' progress')?.value > before, [cell, first.value]);
    check(await page.evaluate(() => window.notReloaded === true), 'the page reloaded');
  }],
  ['pause', async () => {
    await Promise.all([page.waitForURL(`${base}/migrations/${mapper}`),
                       page.click(`${section} form[action$="/default/pause"] button`)]);
    await waitForBadge('PAUSED');
    check((await apiStatus()) === 'PAUSED', 'the API does not say PAUSED');
    const { value, max } = await progressValue();
    check(value > 0 && value < max, `paused at ${value} of ${max}`);
  }],
  ['resume-to-100-percent', async () => {
    await Promise.all([page.waitForURL(`${base}/migrations/${mapper}`),
                       page.click(`${section} form[action$="/default/resume"] button`)]);
    await page.evaluate(() => { window.notReloaded = true; });
    await waitForBadge('APPLIED');
    await page.waitForFunction((selector) =>
      document.querySelector(selector + ' .figures')?.textContent.includes('(100%)'), cell);
    const { value, max } = await progressValue();
    check(value === max && max === 5000, `the bar ends at ${value} of ${max}`);
    check(await page.evaluate(() => window.notReloaded === true), 'the page reloaded');
  }],
  ['forged-csrf-refused', async () => {
    await page.goto(`${base}/migrations/browser:0003_markup`);
    await page.locator(`${section} form[action$="/default/run"] input[name=csrf_token]`)
      .evaluate((input) => { input.value = 'forged'; });
    await page.click(`${section} form[action$="/default/run"] button`);
    check((await page.locator('h1').textContent()) === 'Refused', 'a forged token was not refused');
    const migration = (await (await page.request.get(`${base}/api/status`)).json())
      .find((m) => m.key === 'browser:0003_markup');
    check(migration.databases.default === 'NOT_RUN', 'the forged request changed the status');
  }],
  ['delete-after-confirming', async () => {
    await page.goto(`${base}/migrations/${mapper}`);
    await page.click(`${section} a.button[href$="/default/delete"]`);
    check((await page.locator('h1').textContent()).startsWith('Delete browser:0002_mark_items'),
          'no confirmation page');
    check((await apiStatus()) === 'APPLIED', 'the confirmation page deleted it');
    await page.screenshot({ path: join(shots, 'confirm-delete.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${base}/migrations/${mapper}`),
                       page.click('button.danger')]);
    check((await page.locator('.notice').textContent()).includes('Deleted the record'), 'no notice');
    check((await badge()) === 'NOT_RUN', `after delete it shows ${await badge()}`);
  }],
];

let failed = 0;
for (const [name, run] of checks) {
  try {
    await run();
    check(pageProblems.length === 0, pageProblems.join('; '));
    console.log(`PASS ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error.message}`);
    pageProblems.length = 0;
  }
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
await browser.close();
server.stdin.end();
await new Promise((resolve) => server.on('exit', resolve));
rmSync(directory, { recursive: true, force: true });
console.log(failed ? `${failed} of ${checks.length} browser checks failed` : `all ${checks.length} browser checks passed`);
process.exit(failed ? 1 : 0);
