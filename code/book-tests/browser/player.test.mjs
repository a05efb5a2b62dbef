// The trace player (theme/trace-player.js) in the built book, in
// Debian's headless Chromium: it steps through a recorded run and shows the
// state the recording says; it works with the keyboard without taking the
// arrow keys from the rest of the page; it reads well in mdBook's five themes
// and at a phone's width; and without JavaScript, or in print, it is hidden
// and the chapter's text trace is what the reader gets.
//
//   BOOK_DIR         the built book (default: <repo>/target/book)
//   SCREENSHOTS_DIR  screenshots go to its player/ folder (default: <repo>/target/screenshots)
//   CHROMIUM         the browser (default: /usr/bin/chromium)
//
// Run with `bash code/book-tests/browser/run` from anywhere.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DESKTOP, PHONE, THEMES, startBrowser } from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const bookDir = resolve(process.env.BOOK_DIR ?? join(repo, 'target/book'));
const shotsDir = join(resolve(process.env.SCREENSHOTS_DIR ?? join(repo, 'target/screenshots')), 'player');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';


const TEST_LIMIT = { timeout: 180_000 };
const PAGE_TIMEOUT_MS = 15_000;

/** The chapters with a player, and the recording each replays. */
const PLAYERS = {
  'following-the-data.html': 'trace_read',
  'drive-through.html': 'drive_through_async',
  'when-it-breaks.html': 'when_it_breaks',
  'cancellation-safety.html': 'cancellation_safety',
  'edge-and-level.html': 'edge_and_level',
};

const recording = (name) =>
  JSON.parse(readFileSync(join(repo, `code/examples/output/${name}.player.json`), 'utf8'));


let session;
let base;
let browser;

before(async () => {
  session = await startBrowser({ bookDir, shotsDir, executablePath });
  ({ base, browser } = session);
}, { timeout: 60_000 });

after(async () => {
  await session?.close();
});

/**
 * A page in `theme`, recording what a reader's console would show. Requests
 * that leave the book's server fail the test: the player needs no network.
 */
async function open(path, { theme = 'light', viewport = DESKTOP, javaScriptEnabled = true, touch = false } = {}) {
  const context = await browser.newContext({ viewport, javaScriptEnabled, hasTouch: touch, isMobile: touch });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:')) {
      problems.push(`request outside the book: ${request.url()}`);
    }
  });
  await page.addInitScript((t) => {
    try { localStorage.setItem('mdbook-theme', t); } catch { /* no storage */ }
  }, theme);
  await page.goto(base + path, { waitUntil: 'load' });
  return { page, problems, close: () => context.close() };
}

/** What the player shows now: its step, line, acting panel and state. */
function shown(player) {
  return player.evaluate((root) => {
    const text = (selector) => root.querySelector(selector)?.textContent.trim() ?? '';
    const rows = (panel) => Array.from(root.querySelectorAll(`.tp-${panel} tbody tr`))
      .map((row) => Array.from(row.children).map((cell) => cell.textContent.trim()));
    return {
      count: text('.tp-count'),
      line: text('.tp-line'),
      meaning: text('.tp-meaning'),
      acting: Array.from(root.querySelectorAll('.tp-panel.tp-acting')).map((p) => p.dataset.actor),
      polling: text('.tp-executor .tp-panel-body p:nth-child(1) strong'),
      queue: text('.tp-executor .tp-panel-body p:nth-child(2) strong'),
      asleep: Boolean(root.querySelector('.tp-asleep')),
      tasks: Array.from(root.querySelectorAll('.tp-task li')).map((li) => li.textContent.trim()),
      slots: rows('reactor'),
      bytes: rows('kernel'),
      live: text('.tp-live'),
    };
  });
}

const taskName = (id) => (id === 0 ? 'main future' : `task ${id}`);
const slot = (task) => (task === null ? 'empty' : `${taskName(task)}'s waker`);

/** What the player must show at step `n` (from 1) of `data`, from the recording. */
function expected(data, n) {
  const step = data.steps[n - 1];
  return {
    count: `Step ${n} of ${data.steps.length}`,
    line: step.line,
    acting: step.actor ? [step.actor] : [],
    polling: step.running === null ? 'nothing' : taskName(step.running),
    queue: step.queue.length ? step.queue.map(taskName).join(' → ') : 'empty',
    asleep: step.asleep,
    tasks: step.tasks.map((t) => `${taskName(t.id)}: ${t.state}`),
    slots: step.tokens.map((t) => (data.slots === 'one'
      ? [String(t.token), slot(t.read)]
      : [String(t.token), slot(t.read), slot(t.write)])),
  };
}

function pick(state, keys) {
  return Object.fromEntries(keys.map((k) => [k, state[k]]));
}

test('the player steps through one read and shows the state at each step', TEST_LIMIT, async () => {
  const data = recording('trace_read');
  const { page, problems, close } = await open('following-the-data.html');
  const player = page.locator('.trace-player');
  assert.equal(await player.count(), 1, 'one player on the page');
  await player.waitFor({ state: 'visible' });

  // Step 1, then forward with the button.
  const keys = ['count', 'line', 'acting', 'polling', 'queue', 'asleep', 'tasks', 'slots'];
  assert.deepEqual(pick(await shown(player), keys), expected(data, 1));
  const next = player.getByRole('button', { name: 'Next step' });
  const back = player.getByRole('button', { name: 'Back one step' });
  assert.ok(await back.isDisabled(), 'no step before the first');
  for (let n = 2; n <= 10; n++) await next.click();

  // Step 10: task 1 got WouldBlock and left its waker in token 0's read slot.
  let now = await shown(player);
  assert.deepEqual(pick(now, keys), expected(data, 10));
  assert.equal(now.line, 'reactor: stored Read waker for token 0');
  assert.deepEqual(now.acting, ['reactor']);
  assert.deepEqual(now.slots[0], ['0', "task 1's waker", 'empty']);
  assert.equal(now.polling, 'task 1');
  assert.match(now.live, /^Step 10 of 25: reactor: stored Read waker for token 0\. /);
  await player.screenshot({ path: join(shotsDir, 'player-light-desktop-step-10.png') });

  // The arrow keys step while the focus is in the player (here on a button),
  // and the page does not turn to the next chapter.
  const url = page.url();
  for (let n = 11; n <= 15; n++) await page.keyboard.press('ArrowRight');
  now = await shown(player);
  assert.equal(page.url(), url, 'an arrow key in the player turned the page');
  assert.deepEqual(pick(now, keys), expected(data, 15));
  assert.equal(now.line, 'executor: nothing to run, waiting for events');
  assert.ok(now.asleep, 'the thread sleeps in the reactor at step 15');
  assert.equal(now.queue, 'empty');
  assert.deepEqual(now.bytes[0], ['0', '5 bytes'], 'hello waits in token 0 at step 15');
  await player.screenshot({ path: join(shotsDir, 'player-light-desktop-step-15.png') });

  // Steps 16 and 17: the event, then the wake: the slot is empty again and
  // task 1 is in the run queue.
  await page.keyboard.press('ArrowRight');
  now = await shown(player);
  assert.deepEqual(now.acting, ['kernel']);
  await page.keyboard.press('ArrowRight');
  now = await shown(player);
  assert.deepEqual(pick(now, keys), expected(data, 17));
  assert.equal(now.line, 'reactor: waking reader of token 0');
  assert.deepEqual(now.slots[0], ['0', 'empty', 'empty']);
  assert.equal(now.queue, 'task 1');
  await player.screenshot({ path: join(shotsDir, 'player-light-desktop-step-17.png') });

  // Back, Home and End.
  await page.keyboard.press('ArrowLeft');
  assert.equal((await shown(player)).count, 'Step 16 of 25');
  await back.click();
  assert.equal((await shown(player)).count, 'Step 15 of 25');
  await page.keyboard.press('End');
  now = await shown(player);
  assert.deepEqual(pick(now, keys), expected(data, 25));
  assert.ok(await next.isDisabled(), 'no step after the last');
  await page.keyboard.press('Home');
  assert.equal((await shown(player)).count, 'Step 1 of 25');

  // Every step of the recording, through the slider: what the player shows
  // is what the recording says.
  const slider = player.getByRole('slider', { name: 'Step' });
  for (let n = 1; n <= data.steps.length; n++) {
    await slider.fill(String(n));
    assert.deepEqual(pick(await shown(player), keys), expected(data, n), `step ${n}`);
  }

  // Outside the player the arrow keys are the page's again: mdBook turns the
  // page to the next chapter.
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('ArrowRight');
  await page.waitForURL((u) => !u.href.endsWith('following-the-data.html'));
  assert.deepEqual(problems, []);
  await close();
});

test('the one-slot player shows the one slot change hands and a wake go to nobody', TEST_LIMIT, async () => {
  const data = recording('when_it_breaks');
  const { page, problems, close } = await open('when-it-breaks.html');
  const player = page.locator('.trace-player');
  await player.waitFor({ state: 'visible' });
  const slider = player.getByRole('slider', { name: 'Step' });
  const at = async (line, nth = 1) => {
    const n = data.steps.map((s, i) => [s.line, i + 1]).filter(([l]) => l === line)[nth - 1][1];
    await slider.fill(String(n));
    return shown(player);
  };
  let now = await at('reactor: stored Read waker for token 0');
  assert.deepEqual(now.slots, [['0', "task 1's waker"]]);
  now = await at('reactor: stored Write waker for token 0');
  assert.deepEqual(now.slots, [['0', "task 2's waker"]], "the writer's waker replaced the reader's");
  now = await at('reactor: waking reader of token 0');
  assert.deepEqual(now.slots, [['0', 'empty']]);
  assert.equal(now.queue, 'empty', 'the wake for the reader queued nobody');
  assert.deepEqual(now.bytes, [['0', '4 bytes']]);
  now = await at('executor: the main future finished');
  assert.ok(now.tasks.includes('task 1: dropped'), `the reader never ran again: ${now.tasks}`);
  assert.deepEqual(problems, []);
  await close();
});

test('every player renders in the five themes, at a phone width too, with legible text', TEST_LIMIT, async () => {
  const failures = [];
  for (const [path, name] of Object.entries(PLAYERS)) {
    const data = recording(name);
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, problems, close } = await open(path, { viewport });
      const player = page.locator('.trace-player');
      await player.waitFor({ state: 'visible' });
      const count = await player.locator('.tp-count').textContent();
      if (count !== `Step 1 of ${data.steps.length}`) failures.push(`${path}: ${count}`);
      // Half-way through, where the panels are full.
      await player.getByRole('slider', { name: 'Step' }).fill(String(Math.ceil(data.steps.length / 2)));
      for (const theme of THEMES) {
        // The theme's class on <html>, which is what mdBook's theme menu
        // changes (the menu itself may reload a page with diagrams).
        await page.evaluate(([t, all]) => {
          document.documentElement.classList.remove(...all);
          document.documentElement.classList.add(t);
        }, [theme, THEMES]);
        const where = `${path} (${theme}, ${viewport.width} px)`;
        const report = await player.evaluate((root) => {
          const out = [];
          if (root.scrollWidth > root.clientWidth + 1) {
            out.push(`wider than its box: ${root.scrollWidth} > ${root.clientWidth}`);
          }
          const page = document.scrollingElement;
          if (page.scrollWidth > page.clientWidth + 1) out.push('the page scrolls sideways');
          // Contrast of the player's text with what is behind it (WCAG 2).
          const rgba = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
          const background = (node) => {
            for (let n = node; n; n = n.parentElement) {
              const [r, g, b, a = 1] = rgba(getComputedStyle(n).backgroundColor);
              if (a > 0.5) return [r, g, b];
            }
            return [255, 255, 255];
          };
          const luminance = ([r, g, b]) => {
            const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          for (const node of root.querySelectorAll('.tp-title, .tp-count, .tp-line, .tp-meaning, .tp-panel-title, .tp-chip, .tp-table td, .tp-table th, .tp-button:not(:disabled), .tp-panel-body p, .tp-help')) {
            if (!node.getClientRects().length) continue;
            const [r, g, b] = rgba(getComputedStyle(node).color);
            const [l1, l2] = [luminance([r, g, b]), luminance(background(node))].sort((x, y) => y - x);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            if (ratio < 4.5) out.push(`contrast ${ratio.toFixed(2)} for "${node.textContent.trim().slice(0, 30)}"`);
          }
          return out;
        });
        failures.push(...report.map((r) => `${where}: ${r}`));
        const box = await player.boundingBox();
        if (!box || box.width > viewport.width) failures.push(`${where}: box ${JSON.stringify(box)}`);
        if (path === 'following-the-data.html' && theme === 'navy') {
          // A dark theme, three steps (desktop), and one at a phone's width.
          const size = viewport === PHONE ? 'phone' : 'desktop';
          const slider = player.getByRole('slider', { name: 'Step' });
          for (const n of viewport === PHONE ? [10] : [10, 15, 17]) {
            await slider.fill(String(n));
            await player.screenshot({ path: join(shotsDir, `player-${theme}-${size}-step-${n}.png`) });
          }
        }
        if (path === 'following-the-data.html' && theme === 'light' && viewport === PHONE) {
          await player.getByRole('slider', { name: 'Step' }).fill('10');
          await player.screenshot({ path: join(shotsDir, 'player-light-phone-step-10.png') });
        }
      }
      failures.push(...problems.map((p) => `${path} (${viewport.width} px): ${p}`));
      await close();
    }
  }
  assert.deepEqual(failures, []);
});

test('without JavaScript the player is hidden and the text trace is there', TEST_LIMIT, async () => {
  for (const path of Object.keys(PLAYERS)) {
    const { page, problems, close } = await open(path, { javaScriptEnabled: false });
    const player = page.locator('.trace-player');
    assert.equal(await player.count(), 1, `${path}: the player's container is in the page`);
    assert.ok(!(await player.isVisible()), `${path}: the empty player shows without JavaScript`);
    assert.ok(!(await page.getByText('This player', { exact: false }).first().isVisible().catch(() => false)),
      `${path}: the sentence introducing the player shows without JavaScript`);
    assert.deepEqual(problems, []);
    await close();
  }
  // The text trace the player replays is on the page, readable.
  const { page, close } = await open('following-the-data.html', { javaScriptEnabled: false });
  await page.locator('pre', { hasText: '9  net: token 0 read -> WouldBlock' }).first().waitFor({ state: 'visible' });
  await close();
});

test('in print the player is hidden and the text trace prints', TEST_LIMIT, async () => {
  const { page, problems, close } = await open('following-the-data.html');
  await page.locator('.trace-player').waitFor({ state: 'visible' });
  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.locator('.trace-player').isVisible()), 'the player prints');
  assert.ok(await page.locator('pre', { hasText: '9  net: token 0 read -> WouldBlock' }).first().isVisible(),
    'the text trace does not print');
  assert.deepEqual(problems, []);
  await close();
});

/**
 * Some browsers take the focus from a button the moment it is disabled
 * (Chromium did, in some versions; newer ones wait until the next frame).
 * This makes every browser do it, so the test sees the worst case.
 */
const blurAtOnce = (page) => page.addInitScript(() => {
  const disabled = Object.getOwnPropertyDescriptor(HTMLButtonElement.prototype, 'disabled');
  Object.defineProperty(HTMLButtonElement.prototype, 'disabled', {
    get() { return disabled.get.call(this); },
    set(value) {
      disabled.set.call(this, value);
      if (value && document.activeElement === this) this.blur();
    },
  });
});

test('Enter on any player button, then ← or →, stays on the page (the focus stays in the player)', TEST_LIMIT, async () => {
  const failures = [];
  for (const [path, name] of Object.entries(PLAYERS)) {
    const last = recording(name).steps.length;
    const { page, problems, close } = await open(path);
    await blurAtOnce(page);
    await page.reload({ waitUntil: 'load' });
    const player = page.locator('.trace-player');
    await player.waitFor({ state: 'visible' });
    const slider = player.getByRole('slider', { name: 'Step' });
    // Each button from a step where Enter on it disables it (and from the
    // middle): Last, Next at the one before the last, First, Back at step 2.
    const cases = [['Last step', 3], ['Next step', last - 1], ['First step', 3], ['Back one step', 2],
      ['Next step', 3], ['Back one step', 4]];
    for (const [button, from] of cases) {
      for (const key of ['ArrowLeft', 'ArrowRight']) {
        await slider.fill(String(from));
        await player.getByRole('button', { name: button }).focus();
        await page.keyboard.press('Enter');
        const inPlayer = await player.evaluate((root) => root.contains(document.activeElement));
        await page.keyboard.press(key);
        // mdBook turns the page by setting location.href: give it time to.
        await page.waitForTimeout(150);
        if (!page.url().endsWith(path)) {
          failures.push(`${path}: Enter on "${button}" at step ${from}, then ${key}: went to ${page.url()}`);
          await page.goto(base + path, { waitUntil: 'load' });
          await player.waitFor({ state: 'visible' });
        } else if (!inPlayer) {
          failures.push(`${path}: Enter on "${button}" at step ${from}: the focus left the player`);
        }
      }
    }
    failures.push(...problems.map((p) => `${path}: ${p}`));
    await close();
  }
  assert.deepEqual(failures, []);
});

test('the player keeps its height from step to step, at a laptop and a phone width', TEST_LIMIT, async () => {
  const failures = [];
  for (const [path, name] of Object.entries(PLAYERS)) {
    const steps = recording(name).steps.length;
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, close } = await open(path, { viewport });
      const player = page.locator('.trace-player');
      await player.waitFor({ state: 'visible' });
      const slider = player.getByRole('slider', { name: 'Step' });
      const heights = [];
      for (let n = 1; n <= steps; n++) {
        await slider.fill(String(n));
        heights.push(await player.evaluate((root) => root.getBoundingClientRect().height));
      }
      const jump = Math.max(...heights) - Math.min(...heights);
      if (jump > 1) failures.push(`${path} at ${viewport.width} px: the player's height changes by ${Math.round(jump)} px between steps`);
      await close();
    }
  }
  assert.deepEqual(failures, []);
});

test('the explanations do not number steps, which would read like the player\'s own', TEST_LIMIT, async () => {
  for (const name of Object.values(PLAYERS)) {
    for (const step of recording(name).steps) {
      assert.doesNotMatch(step.meaning, /\bsteps? \d/i, `${name}: "${step.meaning}"`);
    }
  }
  // What the player shows is the recording's text.
  const { page, close } = await open('following-the-data.html');
  const player = page.locator('.trace-player');
  await player.getByRole('slider', { name: 'Step' }).fill('10');
  assert.doesNotMatch(await player.locator('.tp-meaning').innerText(), /\bstep \d/i);
  await close();
});

test('the keys\' help shows with a mouse, not on a touch screen', TEST_LIMIT, async () => {
  const desk = await open('following-the-data.html');
  assert.ok(await desk.page.locator('.trace-player .tp-help').isVisible(), 'no keyboard help with a mouse');
  await desk.close();
  const phone = await open('following-the-data.html', { viewport: PHONE, touch: true });
  assert.ok(await phone.page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'the touch screen is not emulated');
  await phone.page.locator('.trace-player').waitFor({ state: 'visible' });
  assert.ok(!(await phone.page.locator('.trace-player .tp-help').isVisible()), 'keyboard help on a touch screen');
  await phone.close();
});

test('what changed since the step before is marked by a bar, not a link\'s underline, in the five themes', TEST_LIMIT, async () => {
  const failures = [];
  let marked = 0;
  for (const theme of THEMES) {
    const { page, problems, close } = await open('following-the-data.html', { theme });
    const player = page.locator('.trace-player');
    await player.waitFor({ state: 'visible' });
    const steps = recording(PLAYERS['following-the-data.html']).steps.length;
    for (let n = 2; n <= steps; n++) {
      await player.getByRole('slider', { name: 'Step' }).fill(String(n));
      const found = await player.evaluate((root) => {
        const rgba = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const luminance = ([r, g, b]) => {
          const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const ratio = (a, b) => {
          const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
          return (l1 + 0.05) / (l2 + 0.05);
        };
        // The colour behind a node, its translucent fills laid over the first opaque one.
        const behind = (node) => {
          const layers = [];
          for (let n = node; n; n = n.parentElement) {
            const [r, g, b, a = 1] = rgba(getComputedStyle(n).backgroundColor);
            if (a > 0) layers.push([r, g, b, a]);
            if (a >= 1) break;
          }
          let colour = [255, 255, 255];
          for (const [r, g, b, a] of layers.reverse()) colour = colour.map((c, i) => c * (1 - a) + [r, g, b][i] * a);
          return colour;
        };
        const out = [];
        const changed = [...root.querySelectorAll('.tp-changed')].filter((el) => el.getClientRects().length);
        for (const el of changed) {
          const style = getComputedStyle(el);
          const text = el.textContent.trim().slice(0, 30);
          if (style.textDecorationLine.includes('underline')) out.push(`"${text}" is underlined, like a link`);
          for (const child of el.querySelectorAll('*')) {
            if (getComputedStyle(child).textDecorationLine.includes('underline')) out.push(`"${text}" is underlined, like a link`);
          }
          const bar = style.boxShadow.match(/rgba?\([^)]*\)/)?.[0];
          if (!bar || !/inset/.test(style.boxShadow)) out.push(`"${text}": no bar (box-shadow ${style.boxShadow})`);
          else {
            const r = ratio(rgba(bar).slice(0, 3), behind(el));
            if (r < 3) out.push(`"${text}": the bar at ${r.toFixed(2)}:1 (needs 3)`);
          }
          const t = ratio(rgba(style.color).slice(0, 3), behind(el));
          if (t < 4.5) out.push(`"${text}": text at ${t.toFixed(2)}:1 on its tint (needs 4.5)`);
        }
        return { count: changed.length, out };
      });
      marked += found.count;
      failures.push(...found.out.map((f) => `${theme} step ${n}: ${f}`));
    }
    if (theme === 'navy') {
      await player.getByRole('slider', { name: 'Step' }).fill('10');
      await player.screenshot({ path: join(shotsDir, 'player-navy-changed.png') });
    }
    failures.push(...problems.map((p) => `${theme}: ${p}`));
    await close();
  }
  assert.ok(marked > 0, 'no step marks a change: the check proves nothing');
  assert.deepEqual([...new Set(failures)], []);
});
