// Fixes to mdBook 0.5.4's page chrome for keyboard and screen-reader users,
// loaded after mdBook's own book.js (additional-js in book.toml). Each part
// says what it fixes; theme/additions.css has the matching styles.
(() => {
    // 1. The sidebar toggle is a <label> for a hidden checkbox, and carries
    //    aria-label and aria-expanded, which a label may not have (axe:
    //    aria-prohibited-attr, aria-allowed-attr). A real button takes its
    //    place and clicks the label, so mdBook's own handlers still do the
    //    work; its aria-expanded follows the one mdBook keeps on the label.
    //    (With JavaScript off, mdBook hides its buttons and the label works
    //    through the checkbox, as before.)
    const label = document.getElementById('mdbook-sidebar-toggle');
    if (label) {
        const button = document.createElement('button');
        button.type = 'button';
        button.id = 'sidebar-toggle-button';
        button.className = 'icon-button';
        button.title = label.title;
        button.setAttribute('aria-label', label.getAttribute('aria-label') ?? label.title);
        button.setAttribute('aria-controls', 'mdbook-sidebar');
        button.innerHTML = label.innerHTML;
        const sync = () => button.setAttribute('aria-expanded',
            label.getAttribute('aria-expanded') === 'true' ? 'true' : 'false');
        sync();
        new MutationObserver(sync).observe(label, { attributes: true, attributeFilter: ['aria-expanded'] });
        button.addEventListener('click', () => label.click());
        label.before(button);
        label.hidden = true;
    }

    // 2. A skip link, the first thing Tab reaches: without it a keyboard user
    //    tabs through the whole table of contents (about 25 stops) on every
    //    page before reaching the text.
    const main = document.querySelector('#mdbook-content main');
    if (main) {
        const skip = document.createElement('a');
        skip.className = 'skip-link';
        skip.href = '#mdbook-content';
        skip.textContent = 'Skip to the text';
        skip.addEventListener('click', (event) => {
            event.preventDefault();
            main.tabIndex = -1;
            main.focus();
            main.scrollIntoView();
        });
        document.body.prepend(skip);

        // Being first in the document is not enough. Tab starts from the
        // browser's "focus navigation starting point", and mdBook's toc.js
        // scrolls the current chapter's link into view in the sidebar as the
        // page loads; some Chromium versions (150 does, 156 does not) move
        // that starting point to the link, so the first Tab went to the
        // chapter's section links (desktop) or the menu bar (phone). So the
        // first Tab of a freshly loaded page goes to the skip link
        // explicitly, unless the reader has already chosen a place: a click
        // or touch, a focused element, or a #fragment in the address (which
        // puts the starting point at that heading, where it belongs).
        let firstTab = !location.hash;
        const chosen = () => { firstTab = false; };
        document.addEventListener('pointerdown', chosen, { capture: true, once: true });
        window.addEventListener('hashchange', chosen, { once: true });
        document.addEventListener('keydown', (event) => {
            if (event.key !== 'Tab' || !firstTab) return;
            firstTab = false;
            const nothingFocused = !document.activeElement || document.activeElement === document.body;
            if (!event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && nothingFocused) {
                event.preventDefault();
                skip.focus();
            }
        }, { capture: true });
    }

    // 3. The eye button: mdBook sets its aria-label from the click's target,
    //    which is the icon when clicked with a mouse, so the label became
    //    "undefined". additions.css lets clicks through the icon to the
    //    button; this puts right a label that went wrong anyway.
    document.addEventListener('click', (event) => {
        const button = event.target.closest?.('pre > .buttons button');
        if (button && button.getAttribute('aria-label') === 'undefined') {
            button.setAttribute('aria-label', button.title);
        }
    });

    // 4. Code, output and tables wider than the column scroll sideways in
    //    their box (mdBook's <code> inside each <pre>, its .table-wrapper
    //    around each table). Such a box gets keyboard focus (arrow keys
    //    scroll it; axe: scrollable-region-focusable), a name that says it
    //    scrolls, and the class `scrolls` for the edge shadow of
    //    additions.css (`scrolled-to-end` takes the shadow away). Diagrams
    //    are marked the same way by mermaid-init.js.
    const kinds = { rust: 'Rust code', text: 'Output', console: 'Commands', sh: 'Commands', toml: 'TOML' };
    const kindOf = (box) => {
        if (box.classList.contains('table-wrapper')) return 'Table';
        const language = [...box.classList].find((c) => c.startsWith('language-'))?.slice(9);
        return kinds[language] ?? 'Code';
    };
    function markScrolling(box) {
        // The shadow is drawn on the <pre> of a code box, on a table's wrapper itself.
        const marked = box.tagName === 'CODE' ? box.parentElement : box;
        const scrolls = box.scrollWidth > box.clientWidth + 1;
        marked.classList.toggle('scrolls', scrolls);
        marked.classList.toggle('scrolled-to-end',
            scrolls && box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
        if (scrolls) {
            box.tabIndex = 0;
            box.setAttribute('role', 'group');
            box.setAttribute('aria-label', `${kindOf(box)}, wider than the page: scroll sideways`);
        } else if (box.hasAttribute('role')) {
            box.removeAttribute('tabindex');
            box.removeAttribute('role');
            box.removeAttribute('aria-label');
        }
    }
    // ← and → scroll a focused box that is wider than the page, and nothing
    // else: mdBook turns them into "previous/next chapter" on the whole page
    // (its listener is on the document, reached after the box).
    document.addEventListener('keydown', (event) => {
        const box = event.target;
        if ((event.key === 'ArrowLeft' || event.key === 'ArrowRight')
            && !(event.altKey || event.ctrlKey || event.metaKey || event.shiftKey)
            && box instanceof Element && box.scrollWidth > box.clientWidth + 1
            && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
            event.stopPropagation();
        }
    }, true);

    const boxes = [...document.querySelectorAll('pre > code, .table-wrapper')];
    const resized = new ResizeObserver((entries) => entries.forEach((e) => markScrolling(e.target)));
    for (const box of boxes) {
        resized.observe(box);
        box.addEventListener('scroll', () => markScrolling(box), { passive: true });
    }
})();
