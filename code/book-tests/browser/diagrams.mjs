// Draws the book's diagrams once, at build time: each book/diagrams/NAME.mmd
// (mermaid's text format) becomes book/diagrams/NAME.svg, which the chapter
// puts inline in its page (`{{#include diagrams/NAME.svg}}` in a <figure>).
// No page loads a diagram library, and a diagram shows before any script runs.
//
//   bash code/book-tests/browser/diagrams        (builds the book's fonts, then this)
//   node diagrams.mjs BOOK_DIR [NAME…]           (BOOK_DIR: a built book, for its fonts)
//
// DIAGRAMS_OUT=DIR writes the SVGs there instead (CI draws every source
// into a scratch folder, to prove they all still draw).
//
// mermaid (the version pinned in package.json) runs in Debian's Chromium, on
// a page of the built book, so that it measures each label in the font the
// page will show it in (Open Sans). Then each SVG is made to belong to a page:
// - its colours are CSS variables (--diagram-fg, -bg, -box, -note) that
//   theme/additions.css sets from the reader's theme, and to black on light
//   colours on paper, whatever the theme;
// - its viewBox is cropped to what is drawn (mermaid leaves a wide margin),
//   and it is one line, so that markdown keeps it a single HTML block;
// - its ids start with its own name (print.html has every diagram of the
//   book on one page), and the ids nothing refers to are dropped;
// - it is an image for assistive technology: role="img", named by its
//   <title> (`accTitle:`) and described by its <desc> (`accDescr`);
// - it records the sha256 of its source (data-source-sha256), which
//   code/book-tests/tests/diagrams.rs compares with the source: a source
//   changed without drawing its SVG again fails the tests.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, serveBook } from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const diagramsDir = resolve(here, '../../../book/diagrams');
const outDir = resolve(process.env.DIAGRAMS_OUT || diagramsDir);
const [bookDir, ...only] = process.argv.slice(2);
if (!bookDir) {
  console.error('usage: node diagrams.mjs BUILT_BOOK_DIR [NAME…]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const mermaidPath = require.resolve('mermaid/dist/mermaid.min.js');
const mermaidVersion = JSON.parse(readFileSync(require.resolve('mermaid/package.json'), 'utf8')).version;

/** The text size of every label, in the SVG's own pixels. */
const FONT_PX = 14;

/**
 * Stand-in colours mermaid draws with, each replaced by a CSS variable
 * afterwards: mermaid computes with real colours, and derives a few others
 * from them (those are checked for below).
 */
const COLOURS = {
  '#0000f1': 'var(--diagram-fg)',
  '#0000f2': 'var(--diagram-bg)',
  '#0000f3': 'var(--diagram-box)',
  '#0000f4': 'var(--diagram-note)',
};
const [FG, BG, BOX, NOTE] = Object.keys(COLOURS);

const config = {
  startOnLoad: false,
  securityLevel: 'strict',
  theme: 'base',
  fontFamily: '"Open Sans", sans-serif',
  fontSize: FONT_PX,
  htmlLabels: false,
  // The same drawing each time (mermaid's curves use random numbers).
  handDrawnSeed: 1,
  themeVariables: {
    darkMode: false,
    background: BG,
    fontFamily: '"Open Sans", sans-serif',
    fontSize: `${FONT_PX}px`,
    textColor: FG, lineColor: FG,
    primaryColor: BOX, primaryTextColor: FG, primaryBorderColor: FG,
    secondaryColor: NOTE, secondaryTextColor: FG, secondaryBorderColor: FG,
    tertiaryColor: BG, tertiaryTextColor: FG, tertiaryBorderColor: FG,
    mainBkg: BOX, nodeBorder: FG, nodeTextColor: FG, titleColor: FG,
    clusterBkg: NOTE, clusterBorder: FG,
    edgeLabelBackground: BG,
    actorBkg: BOX, actorBorder: FG, actorTextColor: FG, actorLineColor: FG,
    signalColor: FG, signalTextColor: FG,
    labelBoxBkgColor: BOX, labelBoxBorderColor: FG, labelTextColor: FG,
    loopTextColor: FG,
    noteBkgColor: NOTE, noteBorderColor: FG, noteTextColor: FG,
    activationBkgColor: NOTE, activationBorderColor: FG,
    sequenceNumberColor: BG,
  },
  // A label that crosses a line gets a halo in the page's colour, so that
  // the line does not run through its letters.
  themeCSS: `
    .messageText, .loopText, .loopText > tspan, .labelText, .noteText {
      paint-order: stroke; stroke: ${BG}; stroke-width: 4px; stroke-linejoin: round;
    }
    .edgeLabel rect, .labelBkg { fill: ${BG} !important; opacity: 1 !important; }`,
  flowchart: { useMaxWidth: false, htmlLabels: false, diagramPadding: 4, nodeSpacing: 24, rankSpacing: 36, padding: 10 },
  sequence: {
    useMaxWidth: false,
    actorFontSize: FONT_PX, messageFontSize: FONT_PX, noteFontSize: FONT_PX,
    diagramMarginX: 4, diagramMarginY: 4,
  },
};

const names = readdirSync(diagramsDir).filter((f) => f.endsWith('.mmd')).map((f) => f.slice(0, -4))
  .filter((name) => only.length === 0 || only.includes(name)).sort();
if (names.length === 0) throw new Error(`no diagram sources (*.mmd) in ${diagramsDir} named ${only.join(', ')}`);

const server = await serveBook(resolve(bookDir));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000,
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30_000);
  // A page of the book: its font, loaded before mermaid measures anything.
  await page.goto(`${server.base}index.html`);
  await page.addScriptTag({ path: mermaidPath });
  await page.evaluate(async ([config, fontPx]) => {
    await Promise.all([400, 600].map((weight) => document.fonts.load(`${weight} ${fontPx}px "Open Sans"`)));
    if (!document.fonts.check(`${fontPx}px "Open Sans"`)) throw new Error('the book\'s font (Open Sans) did not load');
    window.mermaid.initialize(config);
  }, [config, FONT_PX]);

  for (const name of names) {
    const source = readFileSync(join(diagramsDir, `${name}.mmd`));
    const id = `diagram-${name}`;
    const drawn = await page.evaluate(async ([id, text]) => {
      const { svg } = await window.mermaid.render(id, text);
      // In the page, to measure what is drawn: mermaid's own viewBox has a
      // wide margin, on the left of a sequence diagram especially.
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      document.body.append(holder);
      const el = holder.querySelector('svg');
      // A sequence diagram's lifelines run to y = 2000 when its actors are
      // not repeated at the bottom: they end below the last message instead.
      const lifelines = [...el.querySelectorAll('line.actor-line')];
      const measure = (skip) => {
        let box = null;
        for (const child of el.querySelectorAll(':scope > *, :scope > g > *')) {
          if (!(child instanceof SVGGraphicsElement) || child.closest('defs, marker')) continue;
          if (child.querySelector('g, rect, text, path, line, polygon, circle') && child.parentElement === el) continue;
          if (skip.includes(child)) continue;
          const b = child.getBBox();
          if (b.width === 0 && b.height === 0) continue;
          box = box ? {
            x0: Math.min(box.x0, b.x), y0: Math.min(box.y0, b.y),
            x1: Math.max(box.x1, b.x + b.width), y1: Math.max(box.y1, b.y + b.height),
          } : { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height };
        }
        return box;
      };
      let box = measure(lifelines);
      if (lifelines.length) {
        const end = box.y1 + 12;
        for (const line of lifelines) line.setAttribute('y2', String(end));
        box = { ...box, y1: end };
      }
      const out = el.outerHTML;
      holder.remove();
      return { svg: out, box };
    }, [id, source.toString('utf8')]);
    const svg = finish(name, id, drawn.svg, drawn.box, source);
    writeFileSync(join(outDir, `${name}.svg`), svg);
    const [, , w, h] = svg.match(/viewBox="([^"]+)"/)[1].split(' ').map(Number);
    console.log(`${name}.svg: ${w}×${h}`);
  }
} finally {
  await browser.close();
  server.close();
}

/** The SVG as the book's pages take it (see the top of this file). */
function finish(name, id, svg, box, source) {
  const pad = 2;
  const x = Math.floor(box.x0 - pad);
  const y = Math.floor(box.y0 - pad);
  const w = Math.ceil(box.x1 + pad) - x;
  const h = Math.ceil(box.y1 + pad) - y;
  let out = svg;
  // Colours: the stand-ins become the page's variables. In an attribute a
  // CSS variable does not work, so those move to a style attribute. (The
  // colours mermaid writes in attributes of its own, such as an actor's
  // fill="#eaeaea", are overridden by its style sheet, which has only these:
  // the browser test measures the contrast of what is painted.)
  for (const [colour, variable] of Object.entries(COLOURS)) {
    const rgb = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)).join(',\\s*');
    out = out.replace(new RegExp(`(fill|stroke|stop-color)="${colour}"`, 'gi'), `style="$1: ${variable}"`)
      .replaceAll(new RegExp(colour, 'gi'), variable)
      .replaceAll(new RegExp(`rgb\\(${rgb}\\)`, 'g'), variable);
  }
  // Two style attributes on one element would be an error: merge them.
  out = out.replace(/<[^>]*>/g, (tag) => {
    const styles = [...tag.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1].replace(/;?\s*$/, ''));
    if (styles.length < 2) return tag;
    let first = true;
    return tag.replace(/\sstyle="[^"]*"/g, () => {
      if (!first) return '';
      first = false;
      return ` style="${styles.join('; ')}"`;
    });
  });
  // Ids: one name space for the whole of print.html.
  const ids = [...out.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  const referenced = new Set(ids.filter((i) =>
    out.includes(`#${i})`) || out.includes(`"#${i}"`) || new RegExp(`aria-(labelledby|describedby)="[^"]*\\b${i}\\b`).test(out)));
  out = out.replace(/\sid="([^"]+)"/g, (all, i) => {
    if (i === id) return all;
    if (!referenced.has(i)) return '';
    return i.startsWith(id) ? all : ` id="${id}-${i}"`;
  });
  for (const i of referenced) {
    if (i === id || i.startsWith(id)) continue;
    out = out.replaceAll(`#${i})`, `#${id}-${i})`).replaceAll(`"#${i}"`, `"#${id}-${i}"`)
      .replace(new RegExp(`(aria-(?:labelledby|describedby)="[^"]*)\\b${i}\\b`, 'g'), `$1${id}-${i}`);
  }
  // Markers and symbols nothing refers to (mermaid defines every arrow head
  // it might use) are not drawn: out, with their now empty <defs>.
  out = out.replace(/<(marker|symbol)\b(?![^>]*\sid=)[^>]*>.*?<\/\1>/g, '').replace(/<defs><\/defs>/g, '');
  // The root: size, role, and where it comes from.
  const sha = createHash('sha256').update(source).digest('hex');
  out = out.replace(/^<svg [^>]*>/, (root) => {
    const keep = (attr) => root.match(new RegExp(`\\s${attr}="[^"]*"`))?.[0] ?? '';
    if (!keep('aria-labelledby') || !keep('aria-describedby')) {
      throw new Error(`${name}.mmd: no accTitle or accDescr (the diagram's text alternative)`);
    }
    return `<svg id="${id}" class="diagram" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"`
      + ` viewBox="${x} ${y} ${w} ${h}" role="img"${keep('aria-labelledby')}${keep('aria-describedby')}`
      + ` data-source="diagrams/${name}.mmd" data-source-sha256="${sha}" data-drawn-by="mermaid ${mermaidVersion}">`;
  });
  // One line: a blank line would end markdown's HTML block.
  return `${out.replace(/\s*\n\s*/g, ' ')}\n`;
}
