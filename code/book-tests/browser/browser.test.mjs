// The book as readers see it: the built book (target/book, from `mdbook build`)
// served over HTTP on 127.0.0.1 and driven in Debian's headless Chromium.
//
//   BOOK_DIR         the built book (default: <repo>/target/book)
//   SCREENSHOTS_DIR  where the screenshots go (default: <repo>/target/screenshots)
//   CHROMIUM         the browser (default: /usr/bin/chromium)
//
// Run with `bash code/book-tests/browser/run` from anywhere.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const bookDir = resolve(process.env.BOOK_DIR ?? join(repo, 'target/book'));
const shotsDir = resolve(process.env.SCREENSHOTS_DIR ?? join(repo, 'target/screenshots'));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Flags from Debian's Chromium probe: no sandbox (we run as root in CI), no
// GPU, and nothing that reaches the network on its own.
const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** No check may hang CI: each test fails after this long. */
const TEST_LIMIT = { timeout: 180_000 };

/** One page load is slow only if something is wrong; say so quickly. */
const PAGE_TIMEOUT_MS = 15_000;

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.txt': 'text/plain',
};

/** Every .html file of the built book, relative with `/`. */
function pages(dir = bookDir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pages(path);
    return name.endsWith('.html') ? [relative(bookDir, path).split(sep).join('/')] : [];
  }).sort();
}

let server;
let base;
let browser;

before(async () => {
  assert.ok(existsSync(join(bookDir, 'index.html')),
    `no built book at ${bookDir}: run \`mdbook build\` first (or set BOOK_DIR)`);
  assert.ok(existsSync(executablePath),
    `no Chromium at ${executablePath}: \`apt-get install -y chromium\` (or set CHROMIUM)`);
  mkdirSync(shotsDir, { recursive: true });
  // Only this run's pictures: a stale one would show a page as it was.
  for (const name of readdirSync(shotsDir)) {
    if (name.endsWith('.png')) rmSync(join(shotsDir, name));
  }
  // A static server, as a reader's web host would be (file:// hides some
  // errors, such as a script fetched by a path that only works locally).
  server = createServer((request, response) => {
    const url = new URL(request.url, 'http://book');
    let path = resolve(bookDir, '.' + decodeURIComponent(url.pathname));
    if (path.startsWith(bookDir) && existsSync(path) && statSync(path).isDirectory()) {
      path = join(path, 'index.html');
    }
    if (!path.startsWith(bookDir) || !existsSync(path)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(path));
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({ executablePath, args: chromiumArgs, timeout: 30_000 });
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page that records every problem a reader's console would show. */
async function open(path, { beforeLoad } = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location()?.url ?? '';
    // Chromium asks for /favicon.ico by itself when a page (toc.html, the
    // no-script table of contents) names no icon: not the book's request.
    if (where.endsWith('/favicon.ico')) return;
    problems.push(`console error: ${message.text()} (${where})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  if (beforeLoad) await beforeLoad(page);
  await page.goto(base + path, { waitUntil: 'load' });
  return { page, problems };
}

async function screenshot(page, name, fullPage = false) {
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage });
}

/** print.html calls window.print() on load; record the call instead of opening a dialog. */
const stubPrint = (page) => page.addInitScript(() => {
  window.print = () => { window.__printRequested = true; };
});

test('every page loads without console errors', TEST_LIMIT, async () => {
  const all = pages();
  assert.ok(all.length > 10, `only ${all.length} pages in ${bookDir}`);
  const failures = [];
  for (const path of all) {
    const { page, problems } = await open(path, { beforeLoad: stubPrint });
    // Diagrams and quizzes render after load; give their scripts a moment.
    await page.waitForTimeout(200);
    const brokenImages = await page.$$eval('img', (images) =>
      images.filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.src));
    problems.push(...brokenImages.map((src) => `image did not load: ${src}`));
    if (problems.length) failures.push(`${path}:\n    ${problems.join('\n    ')}`);
    await page.close();
  }
  assert.deepEqual(failures, [], `pages with errors:\n${failures.join('\n')}`);
});

test('search finds "WouldBlock"', TEST_LIMIT, async () => {
  const { page, problems } = await open('index.html');
  await page.click('#mdbook-search-toggle');
  // Typed key by key: mdBook searches on key-up, as a reader types.
  await page.locator('#mdbook-searchbar').pressSequentially('WouldBlock');
  const results = page.locator('#mdbook-searchresults li');
  await results.first().waitFor({ state: 'visible' });
  const count = await results.count();
  assert.ok(count >= 3, `search for WouldBlock found only ${count} results`);
  const first = await results.first().innerText();
  assert.match(first, /wouldblock/i, `the first result does not mention WouldBlock: ${first}`);
  await screenshot(page, 'search-wouldblock');
  // A result is a link that takes the reader to the page, the word marked.
  await results.first().locator('a').click();
  await page.waitForLoadState('load');
  assert.match(page.url(), /highlight=WouldBlock/);
  // The word is marked on the page (perhaps inside hidden lines, so not
  // necessarily visible).
  await page.locator('main mark').first().waitFor({ state: 'attached' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('diagrams render with a non-zero size', TEST_LIMIT, async () => {
  const withDiagrams = pages().filter((path) =>
    path !== 'print.html' && readFileSync(join(bookDir, path), 'utf8').includes('class="mermaid"'));
  assert.ok(withDiagrams.length > 0, 'no page has a mermaid diagram: is mdbook-mermaid installed?');
  let diagrams = 0;
  for (const path of withDiagrams) {
    const { page, problems } = await open(path);
    const blocks = page.locator('pre.mermaid');
    const count = await blocks.count();
    for (let i = 0; i < count; i++) {
      const svg = blocks.nth(i).locator('svg');
      await svg.waitFor({ state: 'visible' }).catch(() => {});
      const box = await svg.boundingBox().catch(() => null);
      assert.ok(box && box.width > 20 && box.height > 20,
        `diagram ${i + 1} on ${path} did not render (mermaid source left as text?): ${JSON.stringify(box)}`);
      diagrams += 1;
    }
    // mdBook 0.5 wraps each image in a click-to-zoom label with a second,
    // hidden copy (shown only while zoomed): measure the ones a reader sees.
    const images = page.locator('main img:not(.img-wrapper > img)');
    for (let i = 0; i < await images.count(); i++) {
      const image = images.nth(i);
      await image.scrollIntoViewIfNeeded();
      await image.evaluate((img) => img.complete || new Promise((done) => { img.onload = img.onerror = done; }));
      const box = await image.boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, `image ${i + 1} on ${path} has no size`);
    }
    assert.deepEqual(problems, [], `errors on ${path}`);
    // The diagram's top under the menu bar, as a reader scrolls to it.
    await blocks.first().evaluate((el) => { el.scrollIntoView(true); window.scrollBy(0, -70); });
    await screenshot(page, `diagram-${path.replace(/\.html$/, '').replace(/\W+/g, '-')}`);
    await page.close();
  }
  assert.ok(diagrams > 0);
});

test('a quiz answers a click', TEST_LIMIT, async () => {
  const path = pages().find((p) =>
    p !== 'print.html' && readFileSync(join(bookDir, p), 'utf8').includes('quiz-placeholder'));
  assert.ok(path, 'no page has a quiz: is mdbook-quiz installed?');
  const { page, problems } = await open(path);
  const quiz = page.locator('.mdbook-quiz').first();
  await quiz.locator('button.start').click();
  await assert.doesNotReject(quiz.locator('.counter', { hasText: 'Question 1' }).waitFor());
  // Answer every question (the first choice each time) and submit.
  for (let question = 1; question <= 20; question++) {
    const choice = quiz.locator('input[type=radio]').first();
    if (!(await choice.count())) break;
    await choice.check();
    await quiz.locator('input[type=submit]').click();
  }
  // The quiz ends with the reader's score and each answer explained.
  const text = await quiz.innerText();
  assert.match(text, /answered \d+\/\d+ questions? correctly/i, `no score after answering:\n${text}`);
  // "see the correct answers" shows each answer with its explanation.
  await quiz.getByText('see the correct answers').first().click();
  const explained = await quiz.innerText();
  assert.match(explained, /correct answer is/i, `no correct answers shown:\n${explained}`);
  assert.match(explained, /Context/, `no explanation shown with the answers:\n${explained}`);
  assert.ok(explained.length > text.length, 'the explanations did not appear');
  await quiz.scrollIntoViewIfNeeded();
  await screenshot(page, 'quiz-answered');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the eye button reveals hidden lines', TEST_LIMIT, async () => {
  const path = pages().find((p) =>
    p !== 'print.html' && readFileSync(join(bookDir, p), 'utf8').includes('class="boring"'));
  assert.ok(path, 'no code block has hidden (`# `) lines');
  const { page, problems } = await open(path);
  const block = page.locator('pre:has(.boring)').first();
  const hidden = block.locator('.boring').first();
  await block.scrollIntoViewIfNeeded();
  assert.equal(await hidden.isVisible(), false, 'hidden lines show before the eye is clicked');
  await block.hover();
  await block.locator('button[title="Show hidden lines"]').click();
  assert.equal(await hidden.isVisible(), true, 'the eye button did not reveal the hidden lines');
  await screenshot(page, 'hidden-lines-revealed');
  await block.locator('button[title="Hide lines"]').click();
  assert.equal(await hidden.isVisible(), false, 'the eye button did not hide the lines again');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the print page renders every chapter', TEST_LIMIT, async () => {
  const { page, problems } = await open('print.html', { beforeLoad: stubPrint });
  await page.waitForFunction(() => window.__printRequested === true, null, { timeout: 5_000 })
    .catch(() => {});
  // Every chapter of the table of contents is on the one page, as a heading.
  const chapters = await page.$$eval('#mdbook-sidebar a[href$=".html"]',
    (links) => [...new Set(links.map((a) => a.innerText.trim()))]);
  const headings = await page.$$eval('main h1', (hs) => hs.map((h) => h.innerText.trim()));
  assert.ok(chapters.length >= 10, `the sidebar lists only ${chapters.length} chapters`);
  assert.ok(headings.length >= chapters.length,
    `print.html has ${headings.length} chapter headings for ${chapters.length} chapters`);
  const missing = chapters.filter((title) => !headings.some((h) => h.includes(title.replace(/^[\d.]+\s*/, ''))));
  assert.deepEqual(missing, [], 'chapters missing from print.html');
  assert.ok(await page.evaluate(() => window.__printRequested === true),
    'print.html did not open the print dialog');
  await screenshot(page, 'print');
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots of a few pages for a person to look at', TEST_LIMIT, async () => {
  const wanted = ['introduction.html', 'readiness-pattern.html', 'following-the-data.html',
    'exercises/exercise-1.html', 'instructors.html'];
  for (const path of wanted.filter((p) => existsSync(join(bookDir, p)))) {
    const { page } = await open(path);
    await page.waitForTimeout(300);
    await screenshot(page, `page-${path.replace(/\.html$/, '').replace(/\W+/g, '-')}`);
    await page.close();
  }
  assert.ok(readdirSync(shotsDir).filter((f) => f.endsWith('.png')).length >= 3,
    `fewer than 3 screenshots in ${shotsDir}`);
});
