// Helpers of the browser tests (browser.test.mjs, player.test.mjs, diagrams.test.mjs): a static server for the
// built book, pages opened in a given theme and width, axe-core, and the
// measurements the test makes (diagram text sizes, colour contrast, search).

import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

/** mdBook's five themes. */
export const THEMES = ['light', 'rust', 'coal', 'navy', 'ayu'];

/** A phone's width and a laptop's, in CSS pixels. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/**
 * Flags from Debian's Chromium probe: no sandbox (we run as root in CI), no
 * GPU, and nothing that reaches the network on its own.
 */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.txt': 'text/plain',
};

/** Every .html file of the built book, relative with `/`. */
export function pages(bookDir, dir = bookDir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return pages(bookDir, path);
    return name.endsWith('.html') ? [relative(bookDir, path).split(sep).join('/')] : [];
  }).sort();
}

/**
 * A static server for the book under `prefix` (such as `/`, or `/course/book/`
 * as a host that keeps several sites would), as a reader's web host would
 * serve it: a missing file gets the book's 404.html with status 404.
 * Resolves to { base, close }.
 */
export async function serveBook(bookDir, prefix = '/') {
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://book');
    const notFound = () => {
      const page = join(bookDir, '404.html');
      if (existsSync(page)) {
        response.writeHead(404, { 'content-type': types['.html'] }).end(readFileSync(page));
      } else {
        response.writeHead(404).end('not found');
      }
    };
    if (!url.pathname.startsWith(prefix)) return notFound();
    let path = resolve(bookDir, '.' + decodeURIComponent('/' + url.pathname.slice(prefix.length)));
    if (path.startsWith(bookDir) && existsSync(path) && statSync(path).isDirectory()) {
      path = join(path, 'index.html');
    }
    if (!path.startsWith(bookDir) || !existsSync(path)) return notFound();
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(path));
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const base = `http://127.0.0.1:${server.address().port}${prefix}`;
  return { base, close: () => server.close() };
}

/**
 * What both browser tests need first: the built book served as a reader's
 * web host would serve it (file:// hides some errors, such as a script
 * fetched by a path that only works locally), Chromium started, and an empty
 * folder for this run's screenshots (a stale one would show a page as it
 * was). Fails with what to do when the book or the browser is missing.
 * Returns `{ base, browser, close }`.
 */
export async function startBrowser({ bookDir, shotsDir, executablePath }) {
  assert.ok(existsSync(join(bookDir, 'index.html')),
    `no built book at ${bookDir}: run \`mdbook build\` first (or set BOOK_DIR)`);
  assert.ok(existsSync(executablePath),
    `no Chromium at ${executablePath}: \`apt-get install -y chromium\` (or set CHROMIUM)`);
  mkdirSync(shotsDir, { recursive: true });
  for (const name of readdirSync(shotsDir)) {
    if (name.endsWith('.png')) rmSync(join(shotsDir, name));
  }
  const server = await serveBook(bookDir);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
  // Which browser the results are about: browsers differ (the skip link's
  // first Tab did), and CI gets whatever Chromium Debian ships that day.
  console.log(`Chromium ${browser.version()} (${executablePath})`);
  return {
    base: server.base,
    browser,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}

/** Before any script of the page runs: the reader's chosen theme. */
export const withTheme = (theme) => (page) => page.addInitScript((name) => {
  try { localStorage.setItem('mdbook-theme', name); } catch { /* no storage: default theme */ }
}, theme);

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page, one entry per rule:
 * { id, impact, help, nodes: [selector…] }. All of axe's WCAG 2.x A/AA rules
 * and best practices run.
 */
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Waits until the page's fonts have loaded: the diagrams are SVGs in the
 * page (drawn beforehand, book/diagrams/), measured for the book's font, so
 * their text is measured here in that font too. Gives up after `ms`.
 */
export async function diagramsRendered(page, ms = 10_000) {
  await page.waitForFunction(() => document.fonts.status === 'loaded', null, { timeout: ms }).catch(() => {});
}

/** Presses → twice on the focused `box` and says whether it scrolled (scrolling is animated). */
export async function arrowKeysScroll(page, box) {
  await box.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  return box.evaluate((el) => new Promise((done) => {
    const started = Date.now();
    const check = () => {
      if (el.scrollLeft > 0) return done(true);
      if (Date.now() - started > 3000) return done(false);
      requestAnimationFrame(check);
    };
    check();
  }));
}

/**
 * Each diagram on the page (an inline SVG in a <figure class="diagram">) as
 * the reader sees it: the smallest text in CSS pixels (font size times the
 * SVG's scale), its width and the column's, whether anything of it reaches
 * past the column, and its text alternative (the accessible name and
 * description its role="img" gets from <title> and <desc>).
 */
export function measureDiagrams(page) {
  return page.evaluate(() => [...document.querySelectorAll('main figure.diagram')].map((figure, index) => {
    const svg = figure.querySelector(':scope > svg');
    if (!svg) return { index, rendered: false };
    const scaleOf = (el) => {
      const m = el.getScreenCTM();
      return m ? Math.hypot(m.a, m.b) : 1;
    };
    let smallest = Infinity;
    let smallestText = '';
    const texts = svg.querySelectorAll('text, foreignObject *');
    for (const el of texts) {
      // The element's own text, not its children's.
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
      if (!own) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      const holder = el instanceof SVGGraphicsElement ? el : el.closest('foreignObject');
      const px = size * scaleOf(holder);
      if (px < smallest) { smallest = px; smallestText = own; }
    }
    const main = document.querySelector('main');
    const column = main.getBoundingClientRect();
    const box = svg.getBoundingClientRect();
    // Everything drawn, not only the SVG's box: a label may stick out of it.
    let right = box.right;
    let left = box.left;
    for (const el of svg.querySelectorAll('text, rect, path, line')) {
      const b = el.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      right = Math.max(right, b.right);
      left = Math.min(left, b.left);
    }
    const byIds = (attr) => (svg.getAttribute(attr) ?? '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent.trim() ?? '').join(' ').trim();
    return {
      index,
      rendered: true,
      id: svg.id,
      smallestPx: Math.round(smallest * 10) / 10,
      smallestText,
      width: Math.round(box.width),
      column: Math.round(column.width),
      overflows: left < column.left - 1 || right > column.right + 1
        || figure.scrollWidth > figure.clientWidth + 1 || document.documentElement.scrollWidth > innerWidth,
      role: svg.getAttribute('role'),
      name: svg.getAttribute('aria-label') || byIds('aria-labelledby'),
      desc: byIds('aria-describedby'),
    };
  }));
}

/**
 * Colour contrast inside each diagram: every text against what is painted
 * behind it (a node's fill, or the page), and every line and arrow against
 * the page. Returns the failures: { diagram, what, text, ratio, needed }.
 */
export function diagramContrast(page) {
  return page.evaluate(() => {
    const parse = (colour) => {
      const m = colour && colour.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const over = (top, bottom) => ({
      r: top.r * top.a + bottom.r * (1 - top.a),
      g: top.g * top.a + bottom.g * (1 - top.a),
      b: top.b * top.a + bottom.b * (1 - top.a),
      a: 1,
    });
    const luminance = ({ r, g, b }) => {
      const c = [r, g, b].map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const ratio = (x, y) => {
      const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
      return (hi + 0.05) / (lo + 0.05);
    };
    // The page's own background, behind everything in the column.
    let pageBg = { r: 255, g: 255, b: 255, a: 1 };
    for (let el = document.querySelector('main'); el; el = el.parentElement) {
      const bg = parse(getComputedStyle(el).backgroundColor);
      if (bg && bg.a > 0) { pageBg = over(bg, pageBg); break; }
    }
    for (const el of [document.body, document.documentElement]) {
      const bg = parse(getComputedStyle(el).backgroundColor);
      if (bg && bg.a > 0) { pageBg = bg; break; }
    }
    /** The opaque colour of a painted shape, or null when it paints nothing. */
    const paintOf = (el) => {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') return null;
      let c;
      if (el instanceof SVGElement) {
        c = parse(style.fill);
        if (c) c.a *= parseFloat(style.fillOpacity || '1');
      } else {
        c = parse(style.backgroundColor);
      }
      if (!c || c.a === 0) return null;
      c.a *= parseFloat(style.opacity || '1');
      return c;
    };
    const failures = [];
    document.querySelectorAll('main figure.diagram > svg').forEach((svg, diagram) => {
      svg.scrollIntoView({ block: 'center', inline: 'center' });
      const isShape = (el) => el instanceof SVGGeometryElement && !(el instanceof SVGTextContentElement);
      for (const el of svg.querySelectorAll('text, foreignObject span, foreignObject div, foreignObject p')) {
        const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
        if (!own) continue;
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height) continue;
        const x = box.left + box.width / 2;
        const y = box.top + box.height / 2;
        if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue;
        const style = getComputedStyle(el);
        let fg = el instanceof SVGElement ? parse(style.fill) : parse(style.color);
        if (!fg) continue;
        // What is painted behind the text's centre, top to bottom, over the page.
        let bg = pageBg;
        const stack = document.elementsFromPoint(x, y)
          .filter((e) => svg.contains(e) && e !== el && !el.contains(e));
        const layers = [];
        for (const under of stack) {
          if (!(isShape(under) || (under instanceof HTMLElement && under.closest('foreignObject')))) continue;
          const paint = paintOf(under);
          if (paint) { layers.push(paint); if (paint.a >= 1) break; }
        }
        for (const paint of layers.reverse()) bg = over(paint, bg);
        fg = over(fg, bg);
        const r = ratio(fg, bg);
        if (r < 4.5) failures.push({ diagram, what: 'text', text: own, ratio: Math.round(r * 100) / 100, needed: 4.5 });
      }
      // Lines a reader must see: lifelines, messages, edges, arrow heads.
      for (const el of svg.querySelectorAll('line, path, polygon')) {
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') continue;
        const isLine = el.matches('.actor-line, [class*="messageLine"], .flowchart-link, .relation, marker *, .arrowheadPath, .arrowMarkerPath')
          || el.closest('marker');
        if (!isLine) continue;
        const stroke = parse(style.stroke);
        const fill = parse(style.fill);
        const paint = stroke && stroke.a > 0 && style.strokeWidth !== '0px' ? stroke : fill;
        if (!paint || paint.a === 0) continue;
        paint.a *= parseFloat(style.strokeOpacity || '1') * parseFloat(style.opacity || '1');
        const r = ratio(over(paint, pageBg), pageBg);
        if (r < 3) {
          failures.push({ diagram, what: `line (${el.getAttribute('class') || el.tagName})`, text: '', ratio: Math.round(r * 100) / 100, needed: 3 });
        }
      }
    });
    return failures;
  });
}

/**
 * What the search box offers for `term`, as a reader types it: the visible
 * text of each result, best first.
 */
export async function search(page, term) {
  await page.click('#mdbook-search-toggle');
  // Key by key: mdBook searches on key-up, as a reader types.
  await page.locator('#mdbook-searchbar').pressSequentially(term);
  const results = page.locator('#mdbook-searchresults li');
  await results.first().waitFor({ state: 'visible' }).catch(() => {});
  return results.evaluateAll((items) => items.map((li) => li.innerText.replace(/\s+/g, ' ').trim()));
}

/**
 * Code and output blocks wider than their column: { text, focusable, name,
 * hint }. mdBook's <code> box inside the <pre> is what scrolls.
 */
export function overflowingBlocks(page) {
  return page.evaluate(() => [...document.querySelectorAll('main pre > code')]
    .filter((code) => code.offsetParent !== null)
    .filter((code) => code.scrollWidth > code.clientWidth + 1)
    .map((code) => ({
      text: code.innerText.split('\n').find((l) => l.length > 40)?.slice(0, 60) ?? code.innerText.slice(0, 60),
      focusable: code.tabIndex >= 0,
      name: code.getAttribute('aria-label') ?? '',
      hint: code.parentElement.classList.contains('scrolls'),
    })));
}

/**
 * The text a reader sees in the section a search result leads to (the
 * page's URL fragment names its heading; mdBook's index splits pages at
 * h1 to h3), without whitespace. Hidden lines are not displayed, so not in it.
 */
export function visibleSectionText(page) {
  return page.evaluate(() => {
    const id = decodeURIComponent(location.hash.slice(1));
    const heading = id && document.getElementById(id);
    const main = document.querySelector('main');
    if (!heading) return main.innerText.replace(/\s+/g, '');
    let text = heading.innerText;
    for (let el = heading.nextElementSibling; el && !/^H[1-3]$/.test(el.tagName); el = el.nextElementSibling) {
      text += el.innerText;
    }
    return text.replace(/\s+/g, '');
  });
}

/**
 * The contrast of the "✓ Correct" and "✗ Incorrect" marks of an answered
 * quiz (CSS ::before content, which axe does not check) against the
 * background behind them: [{ text, colour, ratio }].
 */
export function quizMarkContrast(page) {
  return page.evaluate(() => {
    const parse = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]) => {
      const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    return [...document.querySelectorAll('.mdbook-quiz .correct, .mdbook-quiz .incorrect')].map((el) => {
      const before = getComputedStyle(el, '::before');
      const fg = parse(before.color).slice(0, 3);
      const [hi, lo] = [luminance(fg), luminance(background(el))].sort((a, b) => b - a);
      return { text: before.content, colour: before.color, ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100 };
    });
  });
}
