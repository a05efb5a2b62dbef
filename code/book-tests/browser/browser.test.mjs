// The book as readers see it: the built book (target/book, from `mdbook build`)
// served over HTTP on 127.0.0.1 and driven in Debian's headless Chromium, at a
// laptop's width and a phone's, in mdBook's five themes, with axe-core.
//
//   BOOK_DIR         the built book (default: <repo>/target/book)
//   SCREENSHOTS_DIR  where the screenshots and reports go (default: <repo>/target/screenshots)
//   CHROMIUM         the browser (default: /usr/bin/chromium)
//
// Run with `bash code/book-tests/browser/run` from anywhere. Besides the
// screenshots, SCREENSHOTS_DIR gets axe.json (serious and critical axe
// violations per page and theme) and search.json (the first results for the
// book's key terms).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DESKTOP, PHONE, THEMES, arrowKeysScroll, axeViolations, diagramsRendered,
  overflowingBlocks, pages as allPages, quizMarkContrast, search, serveBook, startBrowser, visibleSectionText, withTheme,
} from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const bookDir = resolve(process.env.BOOK_DIR ?? join(repo, 'target/book'));
const shotsDir = resolve(process.env.SCREENSHOTS_DIR ?? join(repo, 'target/screenshots'));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';


/** No check may hang CI: each test fails after this long. */
const TEST_LIMIT = { timeout: 240_000 };

/** One step on a page is slow only if something is wrong; say so quickly. */
const PAGE_TIMEOUT_MS = 15_000;

/**
 * Loading a page: print.html holds the whole book, and the axe check loads
 * two pages at a time; on a busy two-core machine that took over 15 s.
 */
const LOAD_TIMEOUT_MS = 60_000;

/** The smallest text the benchmark chart may show, in CSS pixels, at a phone's width. */
const MIN_DIAGRAM_TEXT_PX = 11;

/** The dark theme that every page is checked in, besides light. */
const DARK = 'navy';

/**
 * The words a reader is most likely to search for. For each, the first
 * result must be a section whose visible text has the word: prose or code
 * the page shows, not lines hidden behind the eye button.
 */
const KEY_TERMS = ['WouldBlock', 'waker', 'poll_read', 'edge-triggered', 'cancellation'];

/**
 * Checks that depend on the chapters' text, which is being rewritten: these
 * are measured and reported by the tests below, and not yet enforced. Each
 * entry is a known failure; take it out when the chapter is fixed (the test
 * says when one starts to pass). A failure not listed here fails the test.
 */
const KNOWN_FAILURES = {
  // Terms whose first result is a section whose teaser comes from hidden
  // lines (`# ` lines, or a diagram's source): none now.
  search: [],
};

const pages = () => allPages(bookDir);
const contentPages = () => pages().filter((p) => !['print.html', 'toc.html', '404.html'].includes(p));
const pagesWith = (marker) => contentPages().filter((p) => readFileSync(join(bookDir, p), 'utf8').includes(marker));
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
 * A fresh page that records every problem a reader's console would show,
 * in `theme` (mdBook's default if none) and at `viewport`.
 */
async function open(path, { beforeLoad, theme, viewport = DESKTOP, at = base } = {}) {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(LOAD_TIMEOUT_MS);
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
  if (theme) await withTheme(theme)(page);
  if (beforeLoad) await beforeLoad(page);
  await page.goto(at + path, { waitUntil: 'load' });
  return { page, problems };
}

async function screenshot(page, name, fullPage = false) {
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage });
}

/** print.html calls window.print() on load; record the call instead of opening a dialog. */
const stubPrint = (page) => page.addInitScript(() => {
  window.print = () => {
    window.__printRequested = true;
  };
});

/**
 * Answers every question of a started quiz and submits each: the first
 * choice of a multiple-choice question (a radio button, or a checkbox when
 * several answers are right), a made-up text for the others.
 */
async function answerQuiz(quiz) {
  for (let question = 1; question <= 30; question++) {
    const choice = quiz.locator('.response input[type=radio], .response input[type=checkbox]').first();
    const text = quiz.locator('.response input[type=text], .response textarea');
    if (!(await choice.count()) && !(await text.count())) break;
    if (await choice.count()) await choice.check();
    // A short answer, or the output of a program that "DOES compile".
    for (const field of await text.all()) await field.fill('an answer');
    await quiz.locator('input[type=submit]').click();
  }
}

/**
 * Compares what failed with the known failures: returns the unexpected
 * ones, and logs the known ones that pass now (to be taken off the list).
 */
function unexpected(kind, failing) {
  const known = KNOWN_FAILURES[kind];
  const fixed = known.filter((k) => !failing.includes(k));
  if (fixed.length) console.log(`# ${kind}: known failures that pass now (take them off KNOWN_FAILURES): ${fixed.join(', ')}`);
  const still = known.filter((k) => failing.includes(k));
  if (still.length) console.log(`# ${kind}: known failures, not yet enforced: ${still.join(', ')}`);
  return failing.filter((f) => !known.includes(f));
}

test('every page loads without console errors', TEST_LIMIT, async () => {
  const all = pages();
  assert.ok(all.length > 10, `only ${all.length} pages in ${bookDir}`);
  const failures = [];
  for (const path of all) {
    const { page, problems } = await open(path, { beforeLoad: stubPrint });
    // Diagrams and quizzes render after load; give their scripts a moment.
    await diagramsRendered(page);
    await page.waitForTimeout(200);
    const brokenImages = await page.$$eval('img', (images) =>
      images.filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.src));
    problems.push(...brokenImages.map((src) => `image did not load: ${src}`));
    if (problems.length) failures.push(`${path}:\n    ${problems.join('\n    ')}`);
    await page.close();
  }
  assert.deepEqual(failures, [], `pages with errors:\n${failures.join('\n')}`);
});

// axe reads every element of every page: the slowest check, given more time.
test(`axe: no serious or critical violation on any page, in light and ${DARK}`, { timeout: 600_000 }, async () => {
  const report = {};
  const failures = [];
  // Every page in light and one dark theme; a few pages (prose, code,
  // quiz, chart, diagrams) in the three other themes.
  const sample = ['readiness-pattern.html', 'async-tcp-stream.html', 'echo-server.html',
    'exercises/exercise-1.html'];
  const runs = [
    ...pages().flatMap((path) => ['light', DARK].map((theme) => [path, theme])),
    ...sample.flatMap((path) => THEMES.filter((t) => t !== 'light' && t !== DARK).map((theme) => [path, theme])),
  ];
  // Two pages at a time (the machine has two cores or more).
  const queue = [...runs];
  const worker = async () => {
    for (let run = queue.shift(); run; run = queue.shift()) {
      const [path, theme] = run;
      const { page } = await open(path, { theme, beforeLoad: stubPrint });
      await diagramsRendered(page);
      const violations = await axeViolations(page);
      report[path] ??= {};
      report[path][theme] = violations;
      for (const v of violations) {
        failures.push(`${path} (${theme}): ${v.id} (${v.impact}, ${v.nodes.length}×): ${v.help}\n      ${v.nodes.slice(0, 3).join('\n      ')}`);
      }
      await page.close();
    }
  };
  await Promise.all([worker(), worker()]);
  writeFileSync(join(shotsDir, 'axe.json'), JSON.stringify(report, null, 1));
  const counts = Object.entries(report).sort(([a], [b]) => a.localeCompare(b)).map(([path, byTheme]) =>
    `${path}: ${Object.entries(byTheme).map(([t, v]) => `${t} ${v.reduce((n, x) => n + x.nodes.length, 0)}`).join(', ')}`);
  console.log(`# axe serious+critical nodes per page:\n# ${counts.join('\n# ')}`);
  assert.deepEqual(failures, [], `axe violations:\n${failures.join('\n')}`);
});

test('an answered quiz: no serious axe violation, right/wrong marks at 4.5:1', TEST_LIMIT, async () => {
  const path = pagesWith('quiz-placeholder')[0];
  assert.ok(path, 'no page has a quiz: is mdbook-quiz installed?');
  const failures = [];
  for (const theme of ['light', DARK]) {
    const { page } = await open(path, { theme });
    const quiz = page.locator('.mdbook-quiz').first();
    await quiz.locator('button.start').click();
    // The first choice each time: some right, most likely some wrong.
    await answerQuiz(quiz);
    const giveUp = quiz.getByText('see the correct answers');
    if (await giveUp.count()) await giveUp.first().click();
    await quiz.locator('.correct, .incorrect').first().waitFor();
    const violations = await axeViolations(page);
    failures.push(...violations.map((v) => `${theme}: ${v.id}: ${v.help}\n      ${v.nodes.slice(0, 3).join('\n      ')}`));
    // axe does not read ::before text: the right/wrong marks are checked here.
    const marks = await quizMarkContrast(page);
    assert.ok(marks.length > 0, 'no right/wrong marks in the answered quiz');
    failures.push(...marks.filter((m) => m.ratio < 4.5).map((m) => `${theme}: ${m.text} in ${m.colour} is ${m.ratio}:1`));
    await quiz.scrollIntoViewIfNeeded();
    await screenshot(page, `quiz-answered-${theme}`);
    await page.close();
  }
  assert.deepEqual(failures, [], `axe violations in the answered quiz:\n${failures.join('\n')}`);
});

test('search leads to the prose about each key term', TEST_LIMIT, async () => {
  const report = {};
  const failing = [];
  for (const term of KEY_TERMS) {
    const { page, problems } = await open('index.html');
    const results = await search(page, term);
    assert.ok(results.length >= 3, `search for ${term} found only ${results.length} results`);
    const first = page.locator('#mdbook-searchresults li').first();
    const teaser = (await first.locator('.teaser').innerText()).replace(/\s+/g, '');
    // mdBook's tokenizer splits at '-': "edge-triggered" is two words.
    const words = term.toLowerCase().split('-');
    const hasTerm = words.every((w) => results[0].toLowerCase().includes(w));
    // Where the result leads: is the teaser text what the reader sees in that section?
    await first.locator('a').click();
    await page.waitForLoadState('load');
    const visible = await visibleSectionText(page);
    const shown = visible.includes(teaser.replace(/…$/, ''));
    report[term] = { first: results[0], teaserShownOnPage: shown, next: results.slice(1, 4) };
    if (!hasTerm || !shown) failing.push(term);
    if (term === 'WouldBlock') {
      // A result is a link that takes the reader to the page, the word marked.
      assert.match(page.url(), /highlight=WouldBlock/);
      await page.locator('main mark').first().waitFor({ state: 'attached' });
    }
    assert.deepEqual(problems, []);
    await page.close();
  }
  writeFileSync(join(shotsDir, 'search.json'), JSON.stringify(report, null, 1));
  for (const [term, r] of Object.entries(report)) {
    console.log(`# search ${term}: ${r.teaserShownOnPage ? 'visible' : 'HIDDEN LINES'}: ${r.first.slice(0, 140)}`);
  }
  const { page } = await open('index.html');
  await search(page, 'WouldBlock');
  await screenshot(page, 'search-wouldblock');
  await page.close();
  const wrong = unexpected('search', failing);
  assert.deepEqual(wrong, [], `the first result for these terms is not visible text about them: ${
    wrong.map((t) => `${t}: ${report[t].first.slice(0, 160)}`).join('\n')}`);
});

// The diagrams (fit, text alternatives, contrast, print): diagrams.test.mjs.

test('code and output wider than the column show it and scroll by keyboard', TEST_LIMIT, async () => {
  const failures = [];
  let wide = 0;
  for (const viewport of [PHONE, DESKTOP]) {
    for (const path of contentPages()) {
      const { page } = await open(path, { viewport });
      await page.waitForTimeout(100);
      for (const block of await overflowingBlocks(page)) {
        wide += 1;
        if (!block.focusable || !block.name || !block.hint) {
          failures.push(`${path} at ${viewport.width} px: "${block.text}…" focusable ${block.focusable}, name "${block.name}", edge hint ${block.hint}`);
        }
      }
      await page.close();
    }
  }
  console.log(`# ${wide} code or output blocks wider than the column (phone and laptop widths together)`);
  // One of them, by keyboard: Tab reaches it and the arrow keys scroll it.
  const { page } = await open('drive-through.html', { viewport: PHONE });
  const box = page.locator('pre.scrolls > code').first();
  if (await box.count()) {
    assert.ok(await arrowKeysScroll(page, box), 'the arrow keys do not scroll a focused wide code block');
    await box.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'wide-code-phone');
  }
  await page.close();
  assert.deepEqual(failures, [], `wide blocks:\n${failures.join('\n')}`);
});

/**
 * The skip link, as a keyboard reader meets it: the first Tab of a freshly
 * loaded page reaches it, at a laptop's width and a phone's, on the book's
 * first page and on a chapter far down the table of contents (whose section
 * links the sidebar shows), and Enter on it moves the focus into the text.
 * Then the same after the browser's focus navigation starting point was put
 * on the sidebar's current chapter, which is where some Chromium versions
 * (150, for one) put it by themselves when mdBook scrolls that link into view
 * on load; a newer Chromium that does not would otherwise pass a page whose
 * skip link an older one skips.
 */
test('keyboard: the skip link is the first Tab stop', TEST_LIMIT, async () => {
  const chapter = pagesWith('class="boring"')[0];
  assert.ok(chapter, 'no code block has hidden (`# `) lines');
  const failures = [];
  const firstStop = async (page) => {
    await page.keyboard.press('Tab');
    return page.evaluate(() => document.activeElement?.textContent?.trim());
  };
  for (const viewport of [DESKTOP, PHONE]) {
    for (const path of ['index.html', chapter]) {
      const where = `${path} at ${viewport.width} px`;
      const { page, problems } = await open(path, { viewport });
      const stop = await firstStop(page);
      if (stop !== 'Skip to the text') {
        failures.push(`${where}: the first Tab stop is "${stop}"`);
      } else if (!await page.locator('.skip-link').isVisible()) {
        failures.push(`${where}: the focused skip link is not visible`);
      } else {
        await page.keyboard.press('Enter');
        if (!await page.evaluate(() => document.activeElement?.closest('main') !== null)) {
          failures.push(`${where}: Enter on the skip link did not move the focus to the text`);
        }
      }
      failures.push(...problems.map((p) => `${where}: ${p}`));
      await page.close();
    }
  }
  {
    const { page } = await open(chapter);
    const current = await page.evaluate(() => {
      const link = document.querySelector('#mdbook-sidebar a.active');
      link?.focus();
      link?.blur();
      return link?.textContent?.trim();
    });
    assert.ok(current, `${chapter}: the sidebar marks no link as the current chapter`);
    const stop = await firstStop(page);
    if (stop !== 'Skip to the text') {
      failures.push(`${chapter}, starting point on the sidebar's "${current}": the first Tab stop is "${stop}"`);
    }
    await page.close();
  }
  assert.deepEqual(failures, [], `in Chromium ${browser.version()}:\n${failures.join('\n')}`);
});

test('keyboard: a real sidebar button, eye button labels', TEST_LIMIT, async () => {
  const path = pagesWith('class="boring"')[0];
  assert.ok(path, 'no code block has hidden (`# `) lines');
  const { page, problems } = await open(path);
  // The sidebar toggle is a button whose aria-expanded follows the sidebar.
  const toggle = page.locator('#sidebar-toggle-button');
  const expanded = await toggle.getAttribute('aria-expanded');
  await toggle.click();
  await page.waitForTimeout(400);
  assert.notEqual(await toggle.getAttribute('aria-expanded'), expanded, 'aria-expanded did not change');
  await toggle.click();
  await page.waitForTimeout(400);
  assert.equal(await toggle.getAttribute('aria-expanded'), expanded);
  // The eye button, clicked with the mouse on its icon, keeps a real label.
  const block = page.locator('pre:has(.boring)').first();
  const hidden = block.locator('.boring').first();
  await block.scrollIntoViewIfNeeded();
  assert.equal(await hidden.isVisible(), false, 'hidden lines show before the eye is clicked');
  await block.hover();
  // The eye (the other button of the block copies it to the clipboard).
  const eye = block.locator('.buttons button:not(.clip-button)').first();
  // A real mouse click on the icon inside the button.
  const icon = await eye.locator(':scope > *').first().boundingBox();
  assert.ok(icon, 'the eye button has no icon');
  await page.mouse.click(icon.x + icon.width / 2, icon.y + icon.height / 2);
  assert.equal(await hidden.isVisible(), true, 'the eye button did not reveal the hidden lines');
  assert.equal(await eye.getAttribute('aria-label'), 'Hide lines');
  await screenshot(page, 'hidden-lines-revealed');
  await eye.click();
  assert.equal(await hidden.isVisible(), false, 'the eye button did not hide the lines again');
  assert.equal(await eye.getAttribute('aria-label'), 'Show hidden lines');
  // The buttons of a block are reachable by keyboard.
  await page.mouse.move(0, 0);
  await eye.focus();
  assert.ok(await eye.evaluate((el) => document.activeElement === el && getComputedStyle(el.parentElement).opacity === '1'),
    'a focused eye button is not visible');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a quiz answers a click', TEST_LIMIT, async () => {
  const path = pagesWith('quiz-placeholder')[0];
  assert.ok(path, 'no page has a quiz: is mdbook-quiz installed?');
  const { page, problems } = await open(path);
  const quiz = page.locator('.mdbook-quiz').first();
  await quiz.locator('button.start').click();
  await assert.doesNotReject(quiz.locator('.counter', { hasText: 'Question 1' }).waitFor());
  await answerQuiz(quiz);
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

test('the print page renders every chapter, and each quiz on paper', TEST_LIMIT, async () => {
  const { page, problems } = await open('print.html', { beforeLoad: stubPrint });
  await page.waitForFunction(() => window.__printRequested === true, null, { timeout: 15_000 })
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
  // On paper: each quiz's questions where the quiz is, the answers at the end.
  await page.emulateMedia({ media: 'print' });
  const data = await page.$$eval('.quiz-placeholder', (ps) => ps.map((p) =>
    JSON.parse(p.dataset.quizQuestions).questions.map((q) => q.type)));
  const quizzes = data.map((types) => types.length);
  const multipleChoice = data.flat().filter((t) => t === 'MultipleChoice').length;
  assert.ok(quizzes.length > 0, 'print.html has no quiz');
  const printed = await page.$$eval('.quiz-print', (qs) => qs.map((q) => ({
    visible: getComputedStyle(q).display !== 'none',
    questions: q.querySelectorAll('ol.questions > li').length,
    // A question prints its choices, a line for a short answer, or a program to trace.
    unanswerable: [...q.querySelectorAll('ol.questions > li')].filter((li) =>
      li.querySelectorAll('ol.choices > li').length < 2 && !/Answer: _/.test(li.innerText)
        && !li.querySelector('pre')).length,
  })));
  assert.deepEqual(printed.map((p) => p.questions), quizzes, 'each quiz prints all its questions');
  assert.ok(printed.every((p) => p.visible), 'a printed quiz is hidden on paper');
  assert.equal(printed.reduce((n, p) => n + p.unanswerable, 0), 0, 'printed questions without their choices');
  const answers = await page.locator('.quiz-answers');
  assert.ok(await answers.isVisible(), 'no answers section on paper');
  const answerCount = await answers.locator('ol > li').count();
  assert.equal(answerCount, quizzes.reduce((a, b) => a + b, 0), 'an answer for each question');
  assert.ok(!(await page.locator('.mdbook-quiz').first().isVisible()), 'the interactive quiz prints too');
  // A multiple-choice answer names its choice (or choices: "A, C"), then says why.
  const lettered = await answers.locator('ol > li').evaluateAll((lis) =>
    lis.filter((li) => /^[A-Z](, [A-Z])*: \S/.test(li.innerText) && li.querySelectorAll('p').length >= 2).length);
  assert.equal(lettered, multipleChoice, 'each multiple-choice answer names its letter and has its explanation');
  await answers.evaluate((el) => el.scrollIntoView());
  await screenshot(page, 'print-quiz-answers');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the book works from a sub-path, and its 404 page too', TEST_LIMIT, async () => {
  const page404 = readFileSync(join(bookDir, '404.html'), 'utf8');
  assert.doesNotMatch(page404, /<base href="\/">/, '404.html is tied to the root of the host');
  const hosted = await serveBook(bookDir, '/courses/lesson-11/');
  try {
    for (const path of ['index.html', 'following-the-data.html', 'exercises/exercise-1.html']) {
      const { page, problems } = await open(path, { at: hosted.base });
      await diagramsRendered(page);
      assert.deepEqual(problems, [], `${path} under a sub-path`);
      await page.close();
    }
    // A missing page at the book's top level gets the book's 404 page, styled.
    const { page, problems } = await open('no-such-chapter.html', { at: hosted.base });
    const failed = problems.filter((p) => !p.includes('no-such-chapter.html'));
    assert.deepEqual(failed, [], 'the 404 page could not load its assets');
    assert.match(await page.locator('main').innerText(), /Document not found/);
    assert.ok(await page.evaluate(() => getComputedStyle(document.querySelector('.sidebar')).position !== 'static'),
      'the 404 page has no style');
    await page.close();
  } finally {
    hosted.close();
  }
});

test('each asset is shipped once', TEST_LIMIT, async () => {
  const files = (dir) => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
  const byContent = new Map();
  for (const file of files(bookDir)) {
    if (file.endsWith('.html')) continue;
    const data = readFileSync(file);
    if (data.length < 4096) continue;
    const hash = createHash('sha256').update(data).digest('hex');
    byContent.set(hash, [...(byContent.get(hash) ?? []), relative(bookDir, file).split(sep).join('/')]);
  }
  const twice = [...byContent.values()].filter((paths) => paths.length > 1);
  assert.deepEqual(twice, [], 'the same file is shipped more than once');
});

test('the benchmark chart is legible on a phone and follows the theme', TEST_LIMIT, async () => {
  const path = pagesWith('copy-throughput.svg')[0];
  assert.ok(path, 'no page shows the benchmark chart');
  const svg = readFileSync(join(bookDir, 'images/copy-throughput.svg'), 'utf8');
  assert.doesNotMatch(svg, /fill="#fff(fff)?"/i, 'the chart paints a white background');
  const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]));
  const smallest = Math.min(...sizes);
  for (const theme of ['light', DARK]) {
    const { page } = await open(path, { viewport: PHONE, theme });
    const img = page.locator('main img[src$="copy-throughput.svg"]:not(.img-wrapper > img)').first();
    await img.scrollIntoViewIfNeeded();
    await img.evaluate((el) => el.complete || new Promise((done) => { el.onload = el.onerror = done; }));
    const { shown, natural, filter } = await img.evaluate((el) => ({
      shown: el.getBoundingClientRect().width, natural: el.naturalWidth, filter: getComputedStyle(el).filter,
    }));
    const px = smallest * shown / natural;
    assert.ok(px >= MIN_DIAGRAM_TEXT_PX, `the chart's smallest text is ${px.toFixed(1)} px on a phone`);
    if (theme === DARK) assert.match(filter, /invert/, 'the chart is not adapted to the dark theme');
    await screenshot(page, `chart-phone-${theme}`);
    await page.close();
  }
});

test('with JavaScript off, a chapter is still readable', TEST_LIMIT, async () => {
  const path = pagesWith('class="diagram"').find((p) => readFileSync(join(bookDir, p), 'utf8').includes('class="boring"'))
    ?? pagesWith('class="diagram"')[0];
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(base + path, { waitUntil: 'load' });
  const text = await page.locator('main').innerText();
  assert.ok(text.length > 1000, `${path} shows only ${text.length} characters without JavaScript`);
  // A diagram is drawn already (an SVG in the page), within the column.
  const diagram = page.locator('main figure.diagram > svg').first();
  const { width, column } = await diagram.evaluate((el) => ({
    width: el.getBoundingClientRect().width, column: el.closest('main').getBoundingClientRect().width,
  }));
  assert.ok(width > 100 && width <= column + 1, `${path}: the diagram is ${width} px wide in a ${column} px column`);
  await screenshot(page, `no-javascript-${shotName(path)}`);
  await context.close();
});

test('screenshots of a few pages for a person to look at', TEST_LIMIT, async () => {
  const wanted = ['introduction.html', 'readiness-pattern.html', 'following-the-data.html',
    'exercises/exercise-1.html', 'instructors.html'];
  for (const path of wanted.filter((p) => existsSync(join(bookDir, p)))) {
    const { page } = await open(path);
    await page.waitForTimeout(300);
    await screenshot(page, `page-${shotName(path)}`);
    await page.close();
  }
  assert.ok(readdirSync(shotsDir).filter((f) => f.endsWith('.png')).length >= 3,
    `fewer than 3 screenshots in ${shotsDir}`);
});

// ---- The book on a phone, on paper and on a slow line ----------------------

/** The quizzes of the built book: [{ path, questions }], from each page's placeholder. */
function quizzesOf(path) {
  const html = readFileSync(join(bookDir, path), 'utf8');
  return [...html.matchAll(/data-quiz-questions="([^"]*)"/g)].map((m) =>
    JSON.parse(m[1]
      .replace(/&#(x?)([0-9a-f]+);/gi, (_, hex, n) => String.fromCodePoint(parseInt(n, hex ? 16 : 10)))
      .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')).questions);
}

test('a quiz on a phone: focus to the question, a message on an empty Submit, 16 px fields without autocorrect, the score in view at the end', TEST_LIMIT, async () => {
  // A quiz with a short answer and a program to trace.
  const path = pagesWith('quiz-placeholder').find((p) => quizzesOf(p).some((qs) =>
    qs.some((q) => q.type === 'ShortAnswer') && qs.some((q) => q.type === 'Tracing')));
  assert.ok(path, 'no quiz has both a short answer and a program to trace');
  const { page, problems } = await open(path, { viewport: PHONE });
  const quiz = page.locator('.mdbook-quiz').first();
  const failures = [];
  // Buttons and fields a finger can hit: 44 px tall or more.
  const tall = async (locator, what) => {
    const box = await locator.boundingBox();
    if (!box || box.height < 44 - 0.5) failures.push(`${what} is ${box && Math.round(box.height)} px tall (44 or more)`);
  };
  await tall(quiz.locator('button.start'), 'Start');
  await quiz.locator('button.start').click();
  await tall(quiz.locator('input[type=submit]'), 'Submit');
  const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim().slice(0, 60) ?? '');
  if (!/^Question 1$/.test(await focused())) failures.push(`after Start the focus is on "${await focused()}"`);
  // Submit with nothing chosen: a message says what is missing.
  await quiz.locator('input[type=submit]').click();
  const message = quiz.locator('.quiz-empty-message');
  await message.waitFor({ timeout: 2000 }).catch(() => {});
  if (!(await message.isVisible())) failures.push('Submit with nothing chosen shows no message');
  else await screenshot(page, 'quiz-empty-submit-phone');
  for (let n = 1; n <= 30; n++) {
    const kind = await quiz.locator('.question').getAttribute('class').catch(() => null);
    if (!kind) break;
    if (n > 1 && !/^Question \d+$/.test(await focused())) failures.push(`question ${n}: the focus is on "${await focused()}"`);
    if (kind.includes('tracing')) {
      const program = quiz.locator('.prompt pre').first();
      const box = await program.evaluate((el) => ({
        wide: el.scrollWidth > el.clientWidth + 1, focusable: el.tabIndex >= 0,
        name: el.getAttribute('aria-label') ?? '', cue: el.classList.contains('scrolls'),
      }));
      if (box.wide && !(box.focusable && box.name && box.cue)) failures.push(`a wide program to trace: ${JSON.stringify(box)}`);
      if (box.wide) {
        await program.focus();
        await page.keyboard.press('ArrowRight');
        await page.waitForTimeout(300);
        if (!(await program.evaluate((el) => el.scrollLeft > 0))) failures.push('the arrow keys do not scroll the program');
      }
      await quiz.locator('.response input[type=radio]').first().check();
    } else if (kind.includes('multiple-choice')) {
      await quiz.locator('.response input').first().check();
    }
    for (const field of await quiz.locator('.response input[type=text], .response textarea').all()) {
      const f = await field.evaluate((el) => ({
        size: parseFloat(getComputedStyle(el).fontSize), autocorrect: el.getAttribute('autocorrect'),
        autocapitalize: el.getAttribute('autocapitalize'), spellcheck: el.spellcheck, rows: el.rows ?? null,
      }));
      if (f.size < 16) failures.push(`question ${n}: a text field at ${f.size} px (iOS zooms in)`);
      if (f.autocorrect !== 'off' || f.autocapitalize !== 'off' || f.spellcheck) failures.push(`question ${n}: autocorrect on: ${JSON.stringify(f)}`);
      await tall(field, `question ${n}: the text field`);
      // A name that stays while the reader types (a placeholder vanishes).
      const name = await field.evaluate((el) => el.getAttribute('aria-label')
        || (el.labels?.length ? [...el.labels].map((l) => l.textContent).join(' ').trim() : ''));
      if (!name) failures.push(`question ${n}: a text field with no accessible name but its placeholder`);
      await field.fill('an answer');
    }
    await quiz.locator('input[type=submit]').click();
  }
  // The last answer is in: the score is on screen, below the menu bar.
  const score = quiz.getByText(/You answered \d+\/\d+ questions? correctly/);
  await score.waitFor();
  await page.waitForTimeout(300);
  const at = await score.boundingBox();
  const bar = await page.locator('#mdbook-menu-bar').boundingBox();
  if (!at || at.y < (bar ? Math.max(0, bar.y + bar.height) : 0) - 1 || at.y + at.height > PHONE.height) {
    failures.push(`after the last answer the score is at y = ${at && Math.round(at.y)} (screen 0 to ${PHONE.height}, menu bar ${JSON.stringify(bar)})`);
  }
  await screenshot(page, 'quiz-score-phone');
  failures.push(...problems);
  await page.close();
  assert.deepEqual(failures, []);
});

test('a short answer takes the spellings a reader would type', TEST_LIMIT, async () => {
  // The reader's ways of writing `Poll::Ready(Ok(0))`, in a quiz of one question.
  const question = {
    type: 'ShortAnswer', prompt: { prompt: 'What does `poll_read` return at the end of the stream?' },
    answer: { answer: 'Poll::Ready(Ok(0))' },
  };
  // And a number, written as a sentence, with a full stop.
  const bytes = {
    type: 'ShortAnswer', prompt: { prompt: 'How many bytes does the first read return?' },
    answer: { answer: '70', alternatives: ['seventy', '70 bytes'] },
  };
  const failures = [];
  for (const [q, typed, right] of [
    ...['Poll::Ready( Ok(0) )', 'Poll::Ready(Ok(0));', 'Ready(Ok(0usize))', ' poll::ready(ok(0)) ', 'Poll::Ready(Ok(0)).']
      .map((t) => [question, t, true]),
    [question, 'Poll::Ready(Ok(1))', false],
    [bytes, '70 bytes.', true], [bytes, '70.', true], [bytes, 'Seventy.', true], [bytes, '7.0', false], [bytes, '71.', false],
  ]) {
    const { page, problems } = await open(pagesWith('quiz-placeholder')[0], {
      beforeLoad: (p) => p.addInitScript((data) => {
        new MutationObserver(() => {
          const first = document.querySelector('.quiz-placeholder');
          if (first && !first.dataset.replaced) {
            first.dataset.replaced = '1';
            first.dataset.quizQuestions = data;
          }
        }).observe(document, { childList: true, subtree: true });
      }, JSON.stringify({ questions: [q] })),
    });
    const quiz = page.locator('.mdbook-quiz').first();
    await quiz.locator('button.start').click();
    await quiz.locator('.response input[type=text]').fill(typed);
    await quiz.locator('.response input[type=text]').press('Enter');
    const text = await quiz.getByText(/You answered/).first().innerText();
    if (/You answered 1\/1/.test(text) !== right) failures.push(`"${typed}" (${right ? 'right' : 'wrong'}): ${text}`);
    failures.push(...problems);
    await page.close();
  }
  // And the book's own short answers, with a trailing `;` and spaces.
  for (const path of pagesWith('quiz-placeholder')) {
    const questions = quizzesOf(path)[0];
    const index = questions.findIndex((q) => q.type === 'ShortAnswer');
    if (index < 0) continue;
    const { page } = await open(path);
    const quiz = page.locator('.mdbook-quiz').first();
    await quiz.locator('button.start').click();
    for (let n = 0; n < questions.length; n++) {
      if (n === index) await quiz.locator('.response input[type=text]').fill(` ${questions[n].answer.answer} ; `);
      else await answerQuiz1(quiz);
      await quiz.locator('input[type=submit]').click();
    }
    const answer = quiz.locator('.answer').nth(index);
    if (!(await answer.locator('.correct').count())) failures.push(`${path}: "${questions[index].answer.answer} ;" is not taken`);
    await page.close();
  }
  assert.deepEqual(failures, []);
});

test('a "pick every one" question submitted with no box ticked says so, and the focus goes to the boxes', TEST_LIMIT, async () => {
  // The first quiz with such a question (checkboxes: its answer is a list).
  let found;
  for (const path of pagesWith('quiz-placeholder')) {
    const index = quizzesOf(path)[0].findIndex((q) => q.type === 'MultipleChoice' && Array.isArray(q.answer.answer));
    if (index >= 0) { found = { path, index }; break; }
  }
  assert.ok(found, 'no quiz has a question with more than one right answer');
  const { page, problems } = await open(found.path, { viewport: PHONE });
  const quiz = page.locator('.mdbook-quiz').first();
  await quiz.locator('button.start').click();
  for (let n = 0; n < found.index; n++) {
    await answerQuiz1(quiz);
    await quiz.locator('input[type=submit]').click();
  }
  await quiz.locator('.response input[type=checkbox]').first().waitFor();
  const failures = [];
  await quiz.locator('input[type=submit]').click();
  const message = quiz.locator('.quiz-empty-message');
  await message.waitFor({ timeout: 2000 }).catch(() => {});
  if (!(await message.isVisible())) failures.push('an empty Submit shows no message');
  else {
    const text = await message.innerText();
    if (text !== 'Choose at least one answer, then submit.') failures.push(`the message says "${text}"`);
    if ((await message.getAttribute('role')) !== 'alert') failures.push('the message is not announced (role=alert)');
    await screenshot(page, 'quiz-empty-checkboxes-phone');
  }
  const at = await page.evaluate(() => document.activeElement?.getAttribute('type') ?? document.activeElement?.tagName);
  if (at !== 'checkbox') failures.push(`after the empty Submit the focus is on ${at}, not the first box`);
  // A box ticked: the message goes.
  await quiz.locator('.response input[type=checkbox]').first().check();
  await page.waitForTimeout(200);
  if (await message.count()) failures.push('the message stays once a box is ticked');
  failures.push(...problems);
  await page.close();
  assert.deepEqual(failures, []);
});

/** Any answer to the question on screen (the first choice, or some text). */
async function answerQuiz1(quiz) {
  const choice = quiz.locator('.response input[type=radio], .response input[type=checkbox]').first();
  if (await choice.count()) await choice.check();
  for (const field of await quiz.locator('.response input[type=text], .response textarea').all()) await field.fill('an answer');
}

test('on paper from a dark theme: text in black on white, code legible', TEST_LIMIT, async () => {
  // A chapter with Rust code, and the page of every chapter.
  const chapter = contentPages().find((p) => readFileSync(join(bookDir, p), 'utf8').includes('language-rust'));
  assert.ok(chapter, 'no chapter has Rust code');
  const failures = [];
  for (const theme of ['navy', 'coal', 'ayu']) {
    const { page } = await open(chapter, { theme });
    await page.emulateMedia({ media: 'print' });
    const found = await page.evaluate(() => {
      const rgba = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r, g, b]) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const ratio = (a, b) => {
        const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (l1 + 0.05) / (l2 + 0.05);
      };
      // Against white paper, and against the block's own fill if it prints one.
      const worst = (el) => {
        const fg = rgba(getComputedStyle(el).color);
        let bg = [255, 255, 255];
        for (let n = el; n; n = n.parentElement) {
          const [r, g, b, a = 1] = rgba(getComputedStyle(n).backgroundColor);
          if (a > 0.5) { bg = [r, g, b]; break; }
        }
        return Math.min(ratio(fg, [255, 255, 255]), ratio(fg, bg));
      };
      const out = [];
      const prose = [...document.querySelectorAll('main > p, main li')].filter((el) => el.textContent.trim()).slice(0, 20);
      if (!prose.length) out.push('no paragraph to check');
      for (const el of prose) {
        const r = worst(el);
        if (r < 7) out.push(`text at ${r.toFixed(2)}:1 (needs 7): "${el.textContent.trim().slice(0, 40)}"`);
      }
      const code = [...document.querySelectorAll('main pre code.hljs, main pre code.hljs *')]
        .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim()));
      if (!code.length) out.push('no highlighted code to check');
      const seen = new Set();
      for (const el of code) {
        const r = worst(el);
        const key = `${el.className}`;
        if (r < 4.5 && !seen.has(key)) {
          seen.add(key);
          out.push(`code (${el.className || el.tagName}) at ${r.toFixed(2)}:1 (needs 4.5): "${el.textContent.trim().slice(0, 30)}"`);
        }
      }
      return out;
    });
    failures.push(...found.map((f) => `${theme} ${chapter}: ${f}`));
    if (theme === 'navy') await screenshot(page, 'print-navy-chapter');
    await page.close();
  }
  assert.deepEqual(failures, []);
});

test('print.html runs each script once', TEST_LIMIT, async () => {
  const { page, problems } = await open('print.html', {
    beforeLoad: async (p) => {
      await stubPrint(p);
      // Each script, as served, counts its runs first.
      await p.route(/\.js(\?.*)?$/, async (route) => {
        const response = await route.fetch();
        const name = JSON.stringify(new URL(route.request().url()).pathname);
        await route.fulfill({ response, body: `(window.__runs ??= {})[${name}] = (window.__runs[${name}] ?? 0) + 1;\n${await response.text()}` });
      });
    },
  });
  await page.waitForFunction(() => window.__printRequested === true, null, { timeout: 30_000 }).catch(() => {});
  const runs = await page.evaluate(() => window.__runs ?? {});
  assert.ok(Object.keys(runs).some((s) => s.includes('quiz')), `the quiz script did not run: ${JSON.stringify(runs)}`);
  const twice = Object.entries(runs).filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'scripts that print.html runs more than once');
  // The one run draws every quiz, once.
  const placeholders = await page.locator('.quiz-placeholder').count();
  assert.equal(await page.locator('.quiz-placeholder > .mdbook-quiz-wrapper').count(), placeholders);
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a phone: output wraps, the copy button covers no code, a wide table keeps its first column', TEST_LIMIT, async () => {
  const failures = [];
  let tables = 0;
  for (const path of contentPages()) {
    const { page } = await open(path, { viewport: PHONE });
    // Two frames: the wide blocks are marked once they are laid out.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const found = await page.evaluate(() => {
      const out = [];
      for (const code of document.querySelectorAll('main pre > code.language-text, main pre > code.language-console')) {
        if (code.offsetParent && code.scrollWidth > code.clientWidth + 1) out.push(`output wider than the column: "${code.innerText.slice(0, 50)}"`);
        if (!code.offsetParent) continue;
        // A line wraps at spaces and punctuation: a name ("epoll_ctl") is
        // cut only when it is wider than the column by itself.
        const style = getComputedStyle(code);
        const column = code.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const range = document.createRange();
        const rect = (c) => { range.setStart(c.node, c.i); range.setEnd(c.node, c.i + 1); return range.getBoundingClientRect(); };
        const letter = /[\p{L}\p{N}_]/u;
        let name = [];
        const check = () => {
          if (name.length < 2) return;
          const rects = name.map(rect);
          const cut = rects.findIndex((r, i) => i > 0 && Math.round(r.top) > Math.round(rects[i - 1].top));
          if (cut < 0) return;
          const width = rects.reduce((sum, r) => sum + r.width, 0);
          const shown = name.map((c, i) => (i === cut ? `|${c.ch}` : c.ch)).join('');
          if (width <= column) out.push(`output cut inside the name "${shown}", which fits the column`);
        };
        const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (let i = 0; i < node.length; i++) {
            if (letter.test(node.data[i])) name.push({ node, i, ch: node.data[i] });
            else { check(); name = []; }
          }
        }
        check();
      }
      // The text under each block's buttons (the block not scrolled).
      for (const buttons of document.querySelectorAll('main pre > .buttons')) {
        const code = buttons.parentElement.querySelector(':scope > code');
        if (!code || !code.offsetParent) continue;
        const b = buttons.getBoundingClientRect();
        const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
        let covered = '';
        let below = false;
        // Character by character (a wrapped line's trailing space has a box
        // that reaches the edge, and is not text to read).
        for (let node = walker.nextNode(); node && !covered && !below; node = walker.nextNode()) {
          const range = document.createRange();
          for (let i = 0; i < node.length && !covered; i++) {
            if (/\s/.test(node.data[i])) continue;
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const r = range.getBoundingClientRect();
            if (r.top > b.bottom) { below = true; break; }
            if (r.width > 0 && r.right > b.left + 1 && r.left < b.right - 1 && r.bottom > b.top + 1 && r.top < b.bottom - 1) {
              covered = node.data.slice(Math.max(0, i - 20), i + 20).trim();
            }
          }
        }
        if (covered) out.push(`the buttons cover "${covered}"`);
      }
      return out;
    });
    failures.push(...found.map((f) => `${path}: ${f}`));
    for (const wrapper of await page.locator('main .table-wrapper.scrolls').all()) {
      tables += 1;
      const kept = await wrapper.evaluate(async (el) => {
        el.scrollLeft = el.scrollWidth;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const left = el.getBoundingClientRect().left;
        return [...el.querySelectorAll('tr')].every((row) => {
          const first = row.firstElementChild.getBoundingClientRect();
          return Math.abs(first.left - left) <= 1;
        });
      });
      if (!kept) failures.push(`${path}: a wide table scrolled to its end loses its first column`);
      if (tables === 1) {
        await wrapper.scrollIntoViewIfNeeded();
        await screenshot(page, 'table-scrolled-phone');
      }
    }
    await page.close();
  }
  console.log(`# ${tables} tables wider than a phone's column`);
  assert.deepEqual(failures, []);
});

test('search: "half-close" finds the sections with both words', TEST_LIMIT, async () => {
  const { page } = await open('index.html');
  const results = await search(page, 'half-close');
  assert.ok(results.length > 0, 'no result for half-close');
  const links = await page.locator('#mdbook-searchresults li a').evaluateAll((as) => as.map((a) => a.href));
  const failures = [];
  for (const link of links) {
    await page.goto(link, { waitUntil: 'load' });
    // The section's text, hidden lines too (the index has them).
    const text = await page.evaluate(() => {
      const id = decodeURIComponent(location.hash.slice(1));
      const heading = id && document.getElementById(id);
      if (!heading) return document.querySelector('main').textContent;
      let t = heading.textContent;
      for (let el = heading.nextElementSibling; el && !/^H[1-3]$/.test(el.tagName); el = el.nextElementSibling) t += el.textContent;
      return t;
    });
    const lower = text.toLowerCase();
    if (!(lower.includes('half') && lower.includes('close'))) failures.push(`${link}: has not both "half" and "close"`);
  }
  await page.close();
  assert.deepEqual(failures, [], `${results.length} results`);
});

test('no layout shift when the fonts come late (a slow phone line)', TEST_LIMIT, async () => {
  const failures = [];
  for (const path of ['introduction.html', 'following-the-data.html', 'async-tcp-stream.html']) {
    const { page } = await open(path, {
      viewport: PHONE,
      beforeLoad: async (p) => {
        await p.addInitScript(() => {
          window.__shift = 0;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
          }).observe({ type: 'layout-shift', buffered: true });
        });
        await p.route(/\.woff2$/, async (route) => {
          await new Promise((r) => setTimeout(r, 1500));
          await route.continue();
        });
      },
    });
    await page.waitForTimeout(2500);
    const shift = await page.evaluate(() => window.__shift);
    console.log(`# ${path}: cumulative layout shift ${shift.toFixed(3)} with fonts 1.5 s late`);
    if (shift > 0.05) failures.push(`${path}: layout shift ${shift.toFixed(3)} (the fonts came 1.5 s late)`);
    await page.close();
  }
  assert.deepEqual(failures, []);
});

test('with JavaScript off, a quiz says that it needs it', TEST_LIMIT, async () => {
  const path = pagesWith('quiz-placeholder')[0];
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(base + path, { waitUntil: 'load' });
  const note = await page.locator('.quiz-placeholder').first().evaluate((el) => ({
    text: getComputedStyle(el, '::before').content, height: el.getBoundingClientRect().height,
  }));
  assert.match(note.text, /JavaScript/, 'no note where the quiz would be');
  assert.ok(note.height > 10, 'the note takes no room');
  await context.close();
});
