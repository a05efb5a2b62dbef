// The book's diagrams as readers see them, on a phone, on a laptop, in the
// five themes and on paper; and what a page costs to load. The diagrams are
// SVGs drawn beforehand (book/diagrams/, `bash diagrams` here) and put
// inline in their pages: no page may load a diagram library.
//
// Same settings as browser.test.mjs (BOOK_DIR, SCREENSHOTS_DIR, CHROMIUM);
// run by `bash code/book-tests/browser/run`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DESKTOP, PHONE, THEMES, diagramContrast, diagramsRendered, measureDiagrams, pages as allPages, startBrowser, withTheme,
} from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const bookDir = resolve(process.env.BOOK_DIR ?? join(repo, 'target/book'));
const shotsDir = resolve(process.env.SCREENSHOTS_DIR ?? join(repo, 'target/screenshots'));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const TEST_LIMIT = { timeout: 240_000 };
const PAGE_TIMEOUT_MS = 15_000;
const LOAD_TIMEOUT_MS = 60_000;

/** The smallest text a diagram may show, in CSS pixels, at a phone's width. */
const MIN_DIAGRAM_TEXT_PX = 11;

/** What a chapter may transfer on a cold load, every response body added up (not compressed). */
const MAX_PAGE_BYTES = 2.5 * 1024 * 1024;

/** The diagrams' sources: each must be on a page. */
const sources = readdirSync(join(repo, 'book/diagrams')).filter((f) => f.endsWith('.mmd'));

const pages = () => allPages(bookDir);
const contentPages = () => pages().filter((p) => !['print.html', 'toc.html', '404.html'].includes(p));
const diagramPages = () => contentPages().filter((p) => readFileSync(join(bookDir, p), 'utf8').includes('<figure class="diagram"'));
const shotName = (path) => path.replace(/\.html$/, '').replace(/\W+/g, '-');

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
 * A fresh page (in a fresh context: nothing cached) that records what a
 * reader's console would show and every request the page makes.
 */
async function open(path, { theme, viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(LOAD_TIMEOUT_MS);
  const problems = [];
  const requests = [];
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !(message.location()?.url ?? '').endsWith('/favicon.ico')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('request', (request) => requests.push(request.url()));
  // Every response body, as the server sent it (it compresses nothing).
  const bodies = [];
  page.on('response', (response) => {
    bodies.push(response.body().then((b) => b.length, () => 0));
  });
  const transferred = async () => (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  if (theme) await withTheme(theme)(page);
  // print.html asks to print on load: no dialog in a test.
  await page.addInitScript(() => { window.print = () => {}; });
  await page.goto(base + path, { waitUntil: 'load' });
  await diagramsRendered(page);
  return { page, problems, requests, transferred, close: () => context.close() };
}

test(`every diagram fits a phone's column with text of ${MIN_DIAGRAM_TEXT_PX} px or more, and has a text alternative`, TEST_LIMIT, async () => {
  const withDiagrams = diagramPages();
  assert.ok(withDiagrams.length > 0, 'no page has a diagram (<figure class="diagram">)');
  const failures = [];
  const seen = new Set();
  for (const viewport of [PHONE, DESKTOP]) {
    for (const path of withDiagrams) {
      const { page, problems, close } = await open(path, { viewport });
      const measured = await measureDiagrams(page);
      for (const d of measured) {
        const where = `${path} diagram ${d.index + 1} (${d.id}) at ${viewport.width} px`;
        if (!d.rendered) { failures.push(`${where}: no SVG in the figure`); continue; }
        seen.add(d.id);
        if (d.overflows) failures.push(`${where}: reaches past the ${d.column} px column (${d.width} px wide)`);
        if (d.smallestPx < MIN_DIAGRAM_TEXT_PX) failures.push(`${where}: text "${d.smallestText}" is ${d.smallestPx} px`);
        if (d.role !== 'img' || d.name.length < 10 || d.desc.length < 40) {
          failures.push(`${where}: no text alternative (role "${d.role}", name "${d.name}", description of ${d.desc.length} characters)`);
        }
      }
      failures.push(...problems.map((p) => `${path}: ${p}`));
      if (viewport === PHONE) {
        for (let i = 0; i < measured.length; i++) {
          const figure = page.locator('main figure.diagram').nth(i);
          await figure.scrollIntoViewIfNeeded();
          await figure.screenshot({ path: join(shotsDir, `diagram-${shotName(path)}-${i + 1}-phone.png`) });
        }
      }
      await close();
    }
  }
  const missing = sources.map((f) => `diagram-${f.replace(/\.mmd$/, '')}`).filter((id) => !seen.has(id));
  if (missing.length) failures.push(`diagrams on no page, or not as <figure class="diagram"><svg id="…">: ${missing.join(', ')}`);
  assert.deepEqual(failures, [], `diagrams:\n${failures.join('\n')}`);
});

test('diagrams: text and lines have contrast in all five themes, and follow a change of theme', TEST_LIMIT, async () => {
  const failures = [];
  for (const theme of THEMES) {
    for (const path of diagramPages()) {
      const { page, problems, close } = await open(path, { theme });
      for (const f of await diagramContrast(page)) {
        failures.push(`${theme} ${path} diagram ${f.diagram + 1}: ${f.what} ${f.text ? `"${f.text}" ` : ''}${f.ratio}:1 (needs ${f.needed}:1)`);
      }
      failures.push(...problems.map((p) => `${theme} ${path}: ${p}`));
      await close();
    }
  }
  // The reader picks another theme: the diagrams take its colours at once.
  const path = diagramPages()[0];
  const { page, close } = await open(path, { theme: 'light' });
  const fill = () => page.locator('main figure.diagram svg text').first().evaluate((el) => getComputedStyle(el).fill);
  const before = await fill();
  await page.click('#mdbook-theme-toggle');
  await page.click('#mdbook-theme-navy');
  assert.notEqual(await fill(), before, `${path}: the diagram kept its colours after a change to navy`);
  for (const f of await diagramContrast(page)) failures.push(`after switching to navy, ${path}: ${f.what} ${f.ratio}:1`);
  await page.screenshot({ path: join(shotsDir, 'diagram-after-theme-change-navy.png') });
  await close();
  assert.deepEqual(failures, [], `contrast in diagrams:\n${failures.join('\n')}`);
});

test(`no page loads a diagram library; no chapter transfers more than ${MAX_PAGE_BYTES / 1024 / 1024} MB on a cold load`, { timeout: 600_000 }, async () => {
  const failures = [];
  const sizes = [];
  for (const path of [...contentPages(), 'print.html']) {
    // A fresh context each time: nothing cached, a cold load.
    const { page, problems, requests, transferred, close } = await open(path, { viewport: PHONE });
    // Scripts that load more after the load event (the quizzes) have a moment to.
    await page.waitForTimeout(500);
    const bytes = await transferred();
    const html = await page.content();
    const mermaid = [...requests, ...(/mermaid/i.test(html.match(/<script[^>]*>/g)?.join(' ') ?? '') ? ['a <script> tag'] : [])]
      .filter((r) => /mermaid/i.test(r));
    if (mermaid.length) failures.push(`${path}: loads a diagram library: ${mermaid.join(', ')}`);
    // print.html holds the whole book: what it loads is checked by browser.test.mjs.
    if (path !== 'print.html') {
      sizes.push([path, bytes]);
      if (bytes > MAX_PAGE_BYTES) failures.push(`${path}: ${(bytes / 1024 / 1024).toFixed(2)} MB on a cold load`);
    }
    failures.push(...problems.map((p) => `${path}: ${p}`));
    await close();
  }
  sizes.sort((a, b) => b[1] - a[1]);
  console.log(`# heaviest pages on a cold load: ${sizes.slice(0, 4).map(([p, b]) => `${p} ${(b / 1024).toFixed(0)} KiB`).join(', ')}`);
  assert.ok(sizes.every(([, b]) => b > 10_000), 'a page transferred almost nothing: the count is wrong');
  assert.deepEqual(failures, [], failures.join('\n'));
});

/** The relative luminance of a CSS colour (rgb/rgba), 0 black to 1 white. */
const luminanceOf = (page, el) => el.evaluate((node) => {
  const lum = (colour) => {
    const [r, g, b] = colour.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return lum(node instanceof SVGElement ? getComputedStyle(node).fill : getComputedStyle(node).backgroundColor);
});

test('on paper every diagram fits a page and is kept whole', TEST_LIMIT, async () => {
  // The printable area of the smaller of A4 and Letter with Chromium's
  // default margins (0.4 in each side), in CSS pixels: A4 is 210 mm wide,
  // Letter 11 in tall.
  const paper = { width: Math.floor((210 / 25.4 - 0.8) * 96), height: Math.floor((11 - 0.8) * 96) };
  const failures = [];
  let checked = 0;
  for (const path of diagramPages()) {
    const { page, close } = await open(path, { viewport: paper });
    await page.emulateMedia({ media: 'print' });
    const figures = await page.$$eval('main figure.diagram', (fs) => fs.map((f) => ({
      id: f.querySelector('svg')?.id ?? '?',
      height: f.getBoundingClientRect().height,
      whole: getComputedStyle(f).breakInside,
    })));
    for (const f of figures) {
      checked += 1;
      if (f.height > paper.height) failures.push(`${path} ${f.id}: ${Math.round(f.height)} px tall, the page holds ${paper.height}`);
      if (!/avoid/.test(f.whole)) failures.push(`${path} ${f.id}: may split across pages (break-inside: ${f.whole})`);
    }
    await close();
  }
  assert.ok(checked > 0, 'no diagram measured');
  assert.deepEqual(failures, []);
});

test('on paper from the navy theme: diagrams in black on light fills, the chart in dark text on light', TEST_LIMIT, async () => {
  const failures = [];
  for (const path of diagramPages()) {
    const { page, close } = await open(path, { theme: 'navy' });
    // On screen the fills are navy's; printed, they must be light.
    const screenBox = await luminanceOf(page, page.locator('main figure.diagram svg :is(rect.actor, .node rect, .node path, rect.note)').first());
    await page.emulateMedia({ media: 'print' });
    const figures = await page.locator('main figure.diagram').count();
    for (let i = 0; i < figures; i++) {
      const svg = page.locator('main figure.diagram > svg').nth(i);
      // The boxes (actors, notes, nodes, groups) must be light; any other
      // fill light too, or black (arrow heads, in the text's colour).
      const boxes = await svg.evaluate((el) => [...el.querySelectorAll(
        'rect.actor, rect.note, rect.labelBox, .node :is(rect, path, polygon, circle), .cluster rect')]
        .map((shape) => getComputedStyle(shape).fill).filter((fill) => fill && fill !== 'none'));
      const fills = await svg.evaluate((el) => [...el.querySelectorAll('rect, path, polygon, circle')]
        .map((shape) => getComputedStyle(shape).fill)
        .filter((fill) => fill && fill !== 'none' && !/rgba\([^)]*,\s*0\)/.test(fill)));
      // The colour of each piece of text: a <tspan>'s own where the text is in tspans.
      const texts = await svg.evaluate((el) => [...el.querySelectorAll('text')]
        .flatMap((t) => (t.querySelector('tspan') ? [...t.querySelectorAll('tspan')] : [t]))
        .filter((t) => t.textContent.trim())
        .map((t) => getComputedStyle(t).fill));
      const dark = (colour) => colour.match(/[\d.]+/g).slice(0, 3).every((v) => Number(v) < 20);
      const light = (colour) => {
        const [r, g, b, a = 1] = colour.match(/[\d.]+/g).map(Number);
        return a < 0.3 || (r > 200 && g > 200 && b > 200);
      };
      if (!boxes.length) failures.push(`${path} diagram ${i + 1}: no boxes found to check`);
      const darkBoxes = boxes.filter((f) => !light(f));
      if (darkBoxes.length) failures.push(`${path} diagram ${i + 1} on paper: boxes not light: ${[...new Set(darkBoxes)].join(', ')}`);
      const others = fills.filter((f) => !light(f) && !dark(f));
      if (others.length) failures.push(`${path} diagram ${i + 1} on paper: fills neither light nor black: ${[...new Set(others)].join(', ')}`);
      if (!texts.length || !texts.every(dark)) failures.push(`${path} diagram ${i + 1} on paper: text not black: ${[...new Set(texts)].join(', ')}`);
    }
    if (screenBox > 0.3) failures.push(`${path}: in navy on screen the boxes are light already (luminance ${screenBox.toFixed(2)}): the check proves nothing`);
    if (path === 'following-the-data.html' || path === diagramPages()[0]) {
      const figure = page.locator('main figure.diagram').first();
      await figure.scrollIntoViewIfNeeded();
      await figure.screenshot({ path: join(shotsDir, `diagram-print-navy-${shotName(path)}.png`) });
    }
    await close();
  }
  // The benchmark chart is inverted in dark themes on screen; on paper it is
  // the chart as drawn: black text, no background of its own, on white paper.
  const chartPage = contentPages().find((p) => readFileSync(join(bookDir, p), 'utf8').includes('copy-throughput.svg'));
  assert.ok(chartPage, 'no page shows the benchmark chart');
  {
    const { page, close } = await open(chartPage, { theme: 'navy' });
    const img = page.locator('main img[src$="copy-throughput.svg"]').first();
    await img.scrollIntoViewIfNeeded();
    const onScreen = await img.evaluate((el) => getComputedStyle(el).filter);
    await page.emulateMedia({ media: 'print' });
    const onPaper = await img.evaluate((el) => getComputedStyle(el).filter);
    if (!/invert/.test(onScreen)) failures.push(`${chartPage}: the chart is not inverted in navy on screen (${onScreen}): the check proves nothing`);
    if (/invert/.test(onPaper)) failures.push(`${chartPage}: on paper from navy the chart is inverted (${onPaper}): white text on white paper`);
    // What the printer gets: the chart's pixels as drawn, the text dark on light.
    const box = await img.boundingBox();
    const shot = await page.screenshot({ clip: box, path: join(shotsDir, 'chart-print-navy.png') });
    const { darkShare, lightShare } = await page.evaluate(async (png) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, bitmap.width, bitmap.height);
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let darkPx = 0; let lightPx = 0;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
        if (y < 80) darkPx += 1; else if (y > 200) lightPx += 1;
      }
      const n = data.length / 4;
      return { darkShare: darkPx / n, lightShare: lightPx / n };
    }, shot.toString('base64'));
    // Mostly light paper, with dark marks (text, axes): not a dark picture.
    if (!(lightShare > 0.5 && darkShare > 0.005 && darkShare < lightShare)) {
      failures.push(`${chartPage}: the printed chart is not dark on light (light ${lightShare.toFixed(2)}, dark ${darkShare.toFixed(3)})`);
    }
    await close();
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});
