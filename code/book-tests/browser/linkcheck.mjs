// Internal links and anchors of the built book: every <a href> that stays in
// the book must name a page that exists and, with a #fragment, an id on that
// page. Links out of the book are counted, not fetched (no network in CI).
//
//   node linkcheck.mjs [BOOK_DIR]     (default: <repo>/target/book)
//
// Exits 1 with a list of broken links, each with the page it is on.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const bookDir = resolve(process.argv[2] ?? process.env.BOOK_DIR ?? join(here, '../../../target/book'));

/** Every .html file under dir. */
function htmlFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return htmlFiles(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

/** &amp; and friends, as they appear inside attribute values. */
function unescape(value) {
  return value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

const idsCache = new Map();
/** The ids (and old-style names) a page defines. */
function ids(file) {
  if (!idsCache.has(file)) {
    const html = readFileSync(file, 'utf8');
    const found = new Set();
    for (const match of html.matchAll(/\s(?:id|name)="([^"]*)"/g)) found.add(unescape(match[1]));
    idsCache.set(file, found);
  }
  return idsCache.get(file);
}

/** Hrefs of <a> tags, outside <script> and <pre>/<code> text. */
function links(html) {
  const text = html.replace(/<script[\s\S]*?<\/script>/g, '');
  return [...text.matchAll(/<a\s[^>]*?href="([^"]*)"/g)].map((m) => unescape(m[1]));
}

if (!existsSync(join(bookDir, 'index.html'))) {
  console.error(`no built book at ${bookDir}: run \`mdbook build\` first`);
  process.exit(2);
}

const broken = [];
let internal = 0;
let external = 0;
const files = htmlFiles(bookDir).sort();
for (const file of files) {
  const page = relative(bookDir, file).split(sep).join('/');
  for (const href of links(readFileSync(file, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
      external += 1; // http:, https:, mailto: ... leave the book
      continue;
    }
    internal += 1;
    const [beforeHash, fragment] = href.split('#', 2);
    const pathPart = beforeHash.split('?')[0];
    let target = file;
    if (pathPart) {
      // "/x.html" is relative to the site root, which is the book's root here.
      target = pathPart.startsWith('/')
        ? join(bookDir, decodeURIComponent(pathPart))
        : resolve(dirname(file), decodeURIComponent(pathPart));
      if (existsSync(target) && statSync(target).isDirectory()) target = join(target, 'index.html');
      if (!existsSync(target)) {
        broken.push(`${page}: ${href} — no such page`);
        continue;
      }
    }
    if (fragment && target.endsWith('.html') && !ids(target).has(decodeURIComponent(fragment))) {
      broken.push(`${page}: ${href} — no id "${fragment}" on ${relative(bookDir, target)}`);
    }
  }
}

if (broken.length) {
  console.error(`broken links in ${bookDir}:\n  ${broken.join('\n  ')}`);
  console.log(`linkcheck: ${internal - broken.length} passed, ${broken.length} failed`);
  process.exit(1);
}
console.log(`linkcheck: ${files.length} pages, ${internal} internal links and anchors good, ${external} external links not fetched`);
