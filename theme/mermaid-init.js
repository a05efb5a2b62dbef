// Draws the book's ```mermaid diagrams. Replaces the mermaid-init.js of
// `mdbook-mermaid install`, which loaded mermaid on every page, fitted each
// diagram to the column (on a phone its text shrank to 4 or 5 px), used
// mermaid's own light or dark colours (faint lifelines, labels below 4.5:1)
// and reloaded the page when the reader changed theme.
//
// Here:
// - mermaid.min.js (book/mermaid/, from mdbook-mermaid 0.17.1: mermaid
//   11.6.0) is loaded only by pages that have a diagram;
// - mermaid draws at its natural size (useMaxWidth: false); a diagram is
//   then shrunk to the column only as far as its smallest text stays 13 px,
//   and what is still wider scrolls sideways: the box then takes keyboard
//   focus, has a name, an edge shadow and a visible hint (additions.css);
// - the colours are the page's own (mdBook's --bg, --fg, --quote-bg, …),
//   so text and lines have the contrast of the theme's text, and the
//   diagrams are drawn again when the reader picks another theme;
// - `accTitle:` and `accDescr:` in a diagram become its SVG <title> and
//   <desc> (mermaid does that), and the title names the scroll box.
//
// With JavaScript off, a diagram stays its source text, in a box that scrolls.
(() => {
    const blocks = [...document.querySelectorAll('pre.mermaid')];
    if (blocks.length === 0) return;

    // mermaid replaces a block's content by the SVG; keep the source to draw
    // it again in another theme.
    const sources = new Map(blocks.map((pre) => [pre, pre.innerHTML]));

    const themes = ['light', 'rust', 'coal', 'navy', 'ayu'];
    const darkThemes = ['coal', 'navy', 'ayu'];
    const currentTheme = () =>
        themes.find((t) => document.documentElement.classList.contains(t)) ?? 'light';

    /** A CSS variable of the page's theme as #rrggbb (mermaid computes with hex colours). */
    function colour(variable) {
        const probe = document.createElement('span');
        probe.style.color = `var(${variable})`;
        probe.style.display = 'none';
        document.body.appendChild(probe);
        const rgb = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
        probe.remove();
        return '#' + rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
    }

    function config(theme) {
        const bg = colour('--bg');
        const fg = colour('--fg');
        // Boxes (actors, nodes, loops) in the blockquote colour, notes and
        // subgraphs in the table stripe colour: both are backgrounds the theme
        // already puts its text on.
        const box = colour('--quote-bg');
        const note = colour('--table-alternate-bg');
        return {
            startOnLoad: false,
            securityLevel: 'strict',
            theme: 'base',
            themeVariables: {
                darkMode: darkThemes.includes(theme),
                background: bg,
                fontFamily: '"Open Sans", "Helvetica Neue", Arial, sans-serif',
                fontSize: '15px',
                textColor: fg,
                lineColor: fg,
                primaryColor: box, primaryTextColor: fg, primaryBorderColor: fg,
                secondaryColor: note, secondaryTextColor: fg, secondaryBorderColor: fg,
                tertiaryColor: bg, tertiaryTextColor: fg, tertiaryBorderColor: fg,
                mainBkg: box, nodeBorder: fg, nodeTextColor: fg, titleColor: fg,
                clusterBkg: note, clusterBorder: fg,
                edgeLabelBackground: bg,
                actorBkg: box, actorBorder: fg, actorTextColor: fg, actorLineColor: fg,
                signalColor: fg, signalTextColor: fg,
                labelBoxBkgColor: box, labelBoxBorderColor: fg, labelTextColor: fg,
                loopTextColor: fg,
                noteBkgColor: note, noteBorderColor: fg, noteTextColor: fg,
                activationBkgColor: note, activationBorderColor: fg,
                sequenceNumberColor: bg,
            },
            // A label that crosses a lifeline or an edge gets a halo in the
            // page's colour, so the line does not run through its letters.
            themeCSS: `
                .messageText, .loopText, .loopText > tspan, .labelText, .noteText {
                    paint-order: stroke; stroke: ${bg}; stroke-width: 4px; stroke-linejoin: round;
                }
                .edgeLabel, .edgeLabel p, .labelBkg { background-color: ${bg} !important; }
                .edgeLabel rect { fill: ${bg} !important; opacity: 1 !important; }`,
            // Natural size: wide diagrams scroll instead of shrinking.
            flowchart: { useMaxWidth: false, htmlLabels: true },
            sequence: {
                useMaxWidth: false,
                actorFontSize: 15, messageFontSize: 15, noteFontSize: 14,
                actorMargin: 50, messageMargin: 40,
            },
        };
    }

    /**
     * The diagram's size: as wide as the column allows, but never so small
     * that its smallest text is below MIN_TEXT_PX (mermaid draws it at 14
     * to 16 px); what is still wider than the column scrolls.
     */
    const MIN_TEXT_PX = 13;
    const natural = new WeakMap();
    function fit(pre) {
        const svg = pre.querySelector(':scope > svg');
        if (!svg) return;
        if (!natural.has(svg)) {
            const texts = [...svg.querySelectorAll('text, foreignObject *')]
                .filter((el) => el.textContent.trim())
                .map((el) => parseFloat(getComputedStyle(el).fontSize))
                .filter((size) => size > 0);
            natural.set(svg, {
                width: svg.viewBox.baseVal?.width || svg.getBoundingClientRect().width,
                text: texts.length ? Math.min(...texts) : 16,
            });
        }
        const { width, text } = natural.get(svg);
        const style = getComputedStyle(pre);
        const column = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const scale = Math.min(1, Math.max(column / width, MIN_TEXT_PX / text));
        svg.style.width = `${Math.floor(width * scale)}px`;
        svg.style.height = 'auto';
    }

    /** A diagram wider than the column scrolls; say so, and let the keyboard scroll it. */
    function markScrolling(pre) {
        fit(pre);
        const scrolls = pre.scrollWidth > pre.clientWidth + 1;
        pre.classList.toggle('scrolls', scrolls);
        const hint = pre.nextElementSibling?.classList.contains('scroll-hint') ? pre.nextElementSibling : null;
        if (scrolls) {
            const title = pre.querySelector('svg > title')?.textContent.trim();
            pre.tabIndex = 0;
            pre.setAttribute('role', 'group');
            pre.setAttribute('aria-label', `${title || 'Diagram'} (wider than the page: scroll sideways)`);
            if (!hint) {
                const p = document.createElement('p');
                p.className = 'scroll-hint';
                p.setAttribute('aria-hidden', 'true');
                p.textContent = 'Wider than the page: scroll sideways to see all of it.';
                pre.after(p);
            }
        } else {
            pre.removeAttribute('tabindex');
            pre.removeAttribute('role');
            pre.removeAttribute('aria-label');
            hint?.remove();
        }
    }

    const resized = new ResizeObserver((entries) => entries.forEach((e) => markScrolling(e.target)));
    let drawnTheme = null;

    async function draw() {
        // mermaid measures its labels: with the book's font, once it is loaded.
        await document.fonts.ready;
        const theme = currentTheme();
        if (theme === drawnTheme) return;
        drawnTheme = theme;
        for (const pre of blocks) {
            pre.removeAttribute('data-processed');
            pre.innerHTML = sources.get(pre);
        }
        window.mermaid.initialize(config(theme));
        await window.mermaid.run({ nodes: blocks });
        for (const pre of blocks) {
            markScrolling(pre);
            resized.observe(pre);
            // For the browser test: drawn, sized and marked, in this theme.
            pre.dataset.drawn = theme;
        }
    }

    const script = document.createElement('script');
    // path_to_root: set by mdBook's page template for every page.
    script.src = `${path_to_root}mermaid/mermaid.min.js`;
    // One drawing at a time: a theme change during a drawing waits for it.
    let drawing = Promise.resolve();
    const redraw = () => {
        drawing = drawing.then(draw).catch((e) => console.error('mermaid:', e));
    };
    // print.html asks to print 100 ms after it has loaded, while the
    // diagrams may still be drawing: the request waits for them.
    const print = window.print;
    window.print = () => {
        drawing.then(() => print.call(window));
    };
    script.onload = () => {
        // At once: mermaid would otherwise draw every diagram by itself, in
        // its own colours, when the page's load event comes.
        window.mermaid.initialize({ startOnLoad: false });
        redraw();
        // mdBook changes the theme by swapping a class on <html>.
        new MutationObserver(redraw)
            .observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    };
    document.body.appendChild(script);
})();
