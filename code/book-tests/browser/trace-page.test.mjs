// The page `cargo run -p course -- trace N TEST` writes (exercises/course/src/trace.rs),
// in Debian's headless Chromium, opened from its file as a learner opens it:
// no server, no network. The page is made here, from the run of
// solution-1's test of a reader that sleeps until its data comes (the same
// test a learner's exercise-1 runs), and the test steps through it: each
// step shows what the page's own data says, the reader's waker goes into
// token 0's read slot and comes out when the data arrives, the keys work,
// and axe finds nothing serious.
//
//   SCREENSHOTS_DIR  the page and its screenshots go to its trace-page/ folder
//                    (default: <repo>/target/screenshots)
//   CHROMIUM         the browser (default: /usr/bin/chromium)
//   CARGO            the cargo that builds the course tool (default: cargo)
//
// Run with `bash code/book-tests/browser/run` from anywhere.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, DESKTOP, PHONE, axeViolations } from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const shotsDir = join(resolve(process.env.SCREENSHOTS_DIR ?? join(repo, 'target/screenshots')), 'trace-page');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const pagePath = join(shotsDir, 'trace.html');
const TEST = 'a_reader_sleeps_until_its_data_comes';

// Building the course tool, solution-1's tests and the player's example
// from scratch takes minutes on a loaded machine.
const BUILD_MS = 900_000;
const PAGE_TIMEOUT_MS = 15_000;

let browser;
let data;

before(() => {
  mkdirSync(shotsDir, { recursive: true });
  rmSync(pagePath, { force: true });
  const printed = execFileSync(process.env.CARGO ?? 'cargo', [
    'run', '-q', '-p', 'course', '--', 'trace', '1', TEST, '--package', 'solution-1', '--out', pagePath,
  ], { cwd: repo, timeout: BUILD_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  assert.match(printed, /file:\/\//, `course trace printed no file URL:\n${printed}`);
  // The data of the first (only) player, as the page holds it.
  const html = readFileSync(pagePath, 'utf8');
  const json = html.match(/<script type="application\/json">\n([\s\S]*?)\n<\/script>/);
  assert.ok(json, 'the page holds no player data');
  data = JSON.parse(json[1]);
}, { timeout: BUILD_MS + 60_000 });

before(async () => {
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
});

/** The page from its file, recording what a learner's console would show and any request. */
async function open(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('request', (request) => {
    if (request.url() !== pathToFileURL(pagePath).href) problems.push(`request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(pagePath).href, { waitUntil: 'load' });
  return { page, problems, close: () => context.close() };
}

/** What the player shows now. */
function shown(player) {
  return player.evaluate((root) => {
    const text = (selector) => root.querySelector(selector)?.textContent.trim() ?? '';
    return {
      count: text('.tp-count'),
      line: text('.tp-line'),
      meaning: text('.tp-meaning'),
      slots: Array.from(root.querySelectorAll('.tp-reactor tbody tr'))
        .map((row) => Array.from(row.children).map((cell) => cell.textContent.trim())),
      tasks: Array.from(root.querySelectorAll('.tp-task li')).map((li) => li.textContent.trim()),
    };
  });
}

const index = (prefix, from = 0) => data.steps.findIndex((s, i) => i >= from && s.line.startsWith(prefix));

test('the trace page of a run opens from its file and steps through the run', { timeout: 180_000 }, async () => {
  assert.ok(data.steps.length > 5, `a run of ${data.steps.length} steps`);
  assert.match(data.title, new RegExp(TEST));
  const stored = index('reactor: stored Read waker for token 0');
  assert.ok(stored > 0, 'the recorded run has the reader parking in the read slot');
  const woken = index('reactor: waking reader of token 0', stored);
  assert.ok(woken > stored, 'the recorded run has the reader woken after it parked');

  const { page, problems, close } = await open();
  try {
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.match(await page.title(), /solution-1/);
    const player = page.locator('.trace-player');
    assert.equal(await player.count(), 1, 'one player: one traced run');
    await player.waitFor({ state: 'visible' });
    let now = await shown(player);
    assert.equal(now.count, `Step 1 of ${data.steps.length}`);
    assert.equal(now.line, data.steps[0].line);
    assert.equal(now.meaning, data.steps[0].meaning.replaceAll('`', ''));

    // Forward with the button, to the step where the reader parks.
    const next = player.getByRole('button', { name: 'Next step' });
    for (let n = 1; n <= stored; n++) await next.click();
    now = await shown(player);
    assert.equal(now.count, `Step ${stored + 1} of ${data.steps.length}`);
    assert.equal(now.line, 'reactor: stored Read waker for token 0');
    const reader = data.steps[stored].task;
    assert.deepEqual(now.slots[0], ['0', `task ${reader}'s waker`, 'empty']);
    await player.screenshot({ path: join(shotsDir, 'parked.png') });

    // With the keys, on to the wake: the slot is empty again.
    await next.focus();
    for (let n = stored + 1; n <= woken; n++) await page.keyboard.press('ArrowRight');
    now = await shown(player);
    assert.equal(now.line, 'reactor: waking reader of token 0');
    assert.deepEqual(now.slots[0], ['0', 'empty', 'empty']);
    await player.screenshot({ path: join(shotsDir, 'woken.png') });

    // End: the run is over, every task finished or dropped.
    await page.keyboard.press('End');
    now = await shown(player);
    assert.equal(now.count, `Step ${data.steps.length} of ${data.steps.length}`);
    assert.equal(now.line, data.steps.at(-1).line);
    assert.ok(now.tasks.every((t) => /finished|dropped/.test(t)), `tasks at the end: ${now.tasks}`);

    // Every step through the slider shows the line the data says.
    const slider = player.getByRole('slider', { name: 'Step' });
    for (let n = 1; n <= data.steps.length; n++) {
      await slider.fill(String(n));
      assert.equal((await shown(player)).line, data.steps[n - 1].line, `step ${n}`);
    }

    assert.deepEqual(await axeViolations(page), [], 'axe: serious or critical violations');
    await page.screenshot({ path: join(shotsDir, 'page-desktop.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }

  // On a phone's width, nothing wider than the screen.
  const phone = await open(PHONE);
  try {
    await phone.page.locator('.trace-player').waitFor({ state: 'visible' });
    const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(wide <= 1, `the page is ${wide}px wider than a phone's screen`);
    await phone.page.screenshot({ path: join(shotsDir, 'page-phone.png'), fullPage: true });
    assert.deepEqual(phone.problems, []);
  } finally {
    await phone.close();
  }
});
