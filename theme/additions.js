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
    //    never scroll: each is drawn to fit a phone's column.
    const kinds = { rust: 'Rust code', text: 'Output', console: 'Commands', sh: 'Commands', toml: 'TOML' };
    const kindOf = (box) => {
        if (box.classList.contains('table-wrapper')) return 'Table';
        if (box.closest('.mdbook-quiz')) return 'Program';
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

    const resized = new ResizeObserver((entries) => entries.forEach((e) => markScrolling(e.target)));
    const watched = new WeakSet();
    function watchWidth(box) {
        if (watched.has(box)) return;
        watched.add(box);
        resized.observe(box);
        box.addEventListener('scroll', () => markScrolling(box), { passive: true });
    }
    document.querySelectorAll('pre > code, .table-wrapper').forEach(watchWidth);
    // A box's content can grow while the box keeps its size, which the
    // ResizeObserver does not report: the book's fonts arrive after the
    // first paint (font-display: optional) and are wider than the fallback,
    // so a block that fitted at first may not once they are in. Look again
    // when they have loaded, and when the page has.
    const markAll = () => document.querySelectorAll('pre > code, .table-wrapper').forEach(markScrolling);
    if (document.fonts) {
        document.fonts.ready.then(markAll);
        document.fonts.addEventListener('loadingdone', markAll);
    }
    window.addEventListener('load', markAll);

    // 5. Output wraps (additions.css) at spaces, and a word wider than the
    //    column is cut where it must. A long run without spaces, such as
    //    `trace=ioctl,eventfd2,epoll_ctl` or a path, is given places to
    //    break after its commas, slashes, bars and equals signs (<wbr>,
    //    which adds no text to copy), so its names stay whole.
    const LONG_RUN = 20;
    for (const code of document.querySelectorAll('pre > code.language-text, pre > code.language-console')) {
        const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
        const nodes = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
        for (const node of nodes) {
            if (!/\S{20}/.test(node.data)) continue;
            const fragment = document.createDocumentFragment();
            for (const part of node.data.split(/(\S+)/)) {
                if (part.length < LONG_RUN || /\s/.test(part)) {
                    fragment.append(part);
                    continue;
                }
                const pieces = part.split(/(?<=[,|/=&:])/);
                pieces.forEach((piece, i) => {
                    fragment.append(piece);
                    if (i < pieces.length - 1) fragment.append(document.createElement('wbr'));
                });
            }
            node.replaceWith(fragment);
        }
    }

    // 6. Quizzes on screen (mdbook-quiz 0.5.0 draws them with React on
    //    DOMContentLoaded; this only watches what it draws and adds to it):
    //    - the focus follows the quiz: to the question after Start and after
    //      each answer (the button that had it is gone), and to the score
    //      when the last answer is in, scrolled into view (on a phone the
    //      review starts a few screens above the last question);
    //    - a Submit with nothing chosen or written says so (the quiz only
    //      outlines the fields in red, and does nothing at all for a "pick
    //      every one" question with no box ticked: there the message is
    //      ours, and the focus goes to the first box);
    //    - each text field is named "Your answer" (its placeholder text
    //      vanishes as the reader types);
    //    - text fields: no autocorrect or capitals (answers are code and
    //      numbers), and a box sized for the answer; 16 px text is in
    //      additions.css (smaller makes iOS zoom in);
    //    - an answer spelled differently from the quiz's (spacing, a
    //      trailing `;` or `.`, a type suffix such as `0usize`, with or without
    //      `Poll::`, backquotes) is replaced by the quiz's own spelling as
    //      it is submitted: mdbook-quiz compares the text with its answer
    //      and `alternatives` after trimming and lowercasing only;
    //    - a program to trace that is wider than the column scrolls, with
    //      the edge shadow, by keyboard too (part 4).
    const canonical = (text) => text.toLowerCase()
        .replace(/[`\s]/g, '')
        // A trailing `;` or full stop (`70 bytes.`): no answer of the
        // book ends in either.
        .replace(/[;.]+$/, '')
        .replace(/\bpoll::/g, '')
        .replace(/(\d)_(?=\d)/g, '$1')
        .replace(/(\d)_?(?:usize|isize|u8|u16|u32|u64|u128|i8|i16|i32|i64|i128)\b/g, '$1');
    // The program's output, line by line, without spaces at line ends.
    const outputLines = (text) => text.replace(/\r\n?/g, '\n').split('\n')
        .map((line) => line.trimEnd()).join('\n').trim();
    const typeInto = (field, value) => {
        // Through the native setter and an input event, as if typed: the
        // quiz's form library reads the value from its change handler.
        const proto = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement : HTMLInputElement;
        Object.getOwnPropertyDescriptor(proto.prototype, 'value').set.call(field, value);
        field.dispatchEvent(new Event('input', { bubbles: true }));
    };
    const emptyMessages = {
        MultipleChoice: 'Choose an answer, then submit.',
        // A "pick every one" question (checkboxes).
        MultipleChoiceAll: 'Choose at least one answer, then submit.',
        ShortAnswer: 'Write an answer, then submit.',
        Tracing: 'Say whether the program compiles (and if it does, what it prints), then submit.',
    };

    for (const placeholder of document.querySelectorAll('.quiz-placeholder[data-quiz-questions]')) {
        let questions;
        try {
            questions = JSON.parse(placeholder.dataset.quizQuestions).questions ?? [];
        } catch {
            continue;
        }
        // The question on screen, from its heading ("Question 3"; no quiz
        // of the book has multi-part questions, whose titles are "3a").
        const questionOf = (form) => {
            const title = form.closest('.question')?.querySelector('.prompt h4')?.textContent ?? '';
            const number = Number(title.match(/^Question (\d+)$/)?.[1]);
            return questions[number - 1];
        };
        let focusWasHere = false;
        document.addEventListener('focusin', (event) => {
            focusWasHere = placeholder.contains(event.target);
        });
        const seen = new WeakSet();
        const bringHere = (target, scroll) => {
            target.tabIndex = -1;
            target.classList.add('quiz-focus-target');
            target.focus({ preventScroll: true });
            if (!scroll) return;
            target.scrollIntoView({ block: 'start' });
            // mdBook's menu bar follows the page's scrolling: after a jump
            // upwards it is left where the page was, over the text, until
            // the next scroll upwards, which makes it stick to the top.
            requestAnimationFrame(() => requestAnimationFrame(() => window.scrollBy(0, -1)));
        };

        const update = () => {
            const lost = !document.activeElement || document.activeElement === document.body;
            for (const field of placeholder.querySelectorAll('.response input[type=text], .response textarea')) {
                if (seen.has(field)) continue;
                seen.add(field);
                if (!field.hasAttribute('aria-label')) field.setAttribute('aria-label', 'Your answer');
                for (const [name, value] of [['autocapitalize', 'off'], ['autocorrect', 'off'],
                    ['autocomplete', 'off'], ['spellcheck', 'false']]) field.setAttribute(name, value);
                const question = questionOf(field.closest('form'));
                const expected = question?.type === 'Tracing' ? question.answer.stdout ?? ''
                    : [question?.answer.answer ?? '', ...(question?.answer.alternatives ?? [])].join('\n');
                if (field instanceof HTMLTextAreaElement) {
                    // A row per line of the answer, and one more.
                    const lines = expected.trim().split('\n').length;
                    field.rows = Math.max(3, lines + 1);
                } else {
                    const longest = Math.max(...expected.split('\n').map((a) => a.length));
                    field.style.width = `min(100%, ${Math.max(16, longest + 6)}ch)`;
                }
            }
            for (const pre of placeholder.querySelectorAll('.prompt pre')) {
                if (watched.has(pre)) continue;
                watchWidth(pre);
                markScrolling(pre);
            }
            for (const form of placeholder.querySelectorAll('form.response')) {
                const boxes = form.querySelectorAll('input[type=checkbox]');
                const noneTicked = boxes.length > 0 && ![...boxes].some((box) => box.checked);
                if (!noneTicked) delete form.dataset.emptySubmit;
                const invalid = form.querySelector('.error') || (noneTicked && form.dataset.emptySubmit);
                let message = form.querySelector('.quiz-empty-message');
                if (invalid && !message) {
                    message = document.createElement('p');
                    message.className = 'quiz-empty-message';
                    message.setAttribute('role', 'alert');
                    const type = questionOf(form)?.type;
                    message.textContent = (boxes.length ? emptyMessages[`${type}All`] : emptyMessages[type])
                        ?? 'Answer first, then submit.';
                    form.append(message);
                } else if (!invalid && message) {
                    message.remove();
                }
            }
            // Where the focus goes when the element that had it is gone.
            const question = placeholder.querySelector('.question .prompt h4');
            const review = [...placeholder.querySelectorAll('h3')].find((h) => h.textContent === 'Answer Review');
            const score = review?.nextElementSibling;
            const fresh = [question, score].find((node) => node && !seen.has(node));
            if (fresh) seen.add(fresh);
            if (!(lost && focusWasHere)) return;
            if (fresh === score && score) bringHere(score, true);
            else if (fresh === question && question) {
                bringHere(question, question.getBoundingClientRect().top < 0
                    || question.getBoundingClientRect().top > innerHeight * 0.6);
            } else if (score) bringHere(score, false);
        };
        new MutationObserver(update).observe(placeholder, {
            childList: true, subtree: true, attributes: true, attributeFilter: ['class'],
        });
        // Ticking a box changes no class: the message goes with the change.
        placeholder.addEventListener('change', update);

        // As an answer is submitted, by its button or by Enter.
        const respell = (form) => {
            const question = questionOf(form);
            if (question?.type === 'ShortAnswer') {
                const field = form.querySelector('input[type=text], textarea');
                const accepted = [question.answer.answer, ...(question.answer.alternatives ?? [])];
                const typed = field?.value ?? '';
                if (!typed.trim() || accepted.some((a) => a.trim().toLowerCase() === typed.trim().toLowerCase())) return;
                const same = accepted.find((a) => canonical(a) === canonical(typed));
                if (same !== undefined) typeInto(field, same);
            } else if (question?.type === 'Tracing' && question.answer.doesCompile) {
                const field = form.querySelector('textarea');
                const stdout = question.answer.stdout ?? '';
                if (field && field.value.trim() !== stdout.trim() && outputLines(field.value) === outputLines(stdout)) {
                    typeInto(field, stdout);
                }
            }
        };
        placeholder.addEventListener('keydown', (event) => {
            if (event.key === 'Enter' && event.target.matches?.('form.response input[type=text]')) {
                respell(event.target.form);
            }
        }, true);
        // A "pick every one" question submitted with no box ticked: the quiz
        // ignores it without a sign, so the message is ours, and the focus
        // goes to the first box, where the answer starts.
        const emptyChoices = (form) => {
            const boxes = form.querySelectorAll('input[type=checkbox]');
            if (!boxes.length || [...boxes].some((box) => box.checked)) return;
            form.dataset.emptySubmit = '1';
            update();
            boxes[0].focus();
        };
        placeholder.addEventListener('click', (event) => {
            if (event.target.matches?.('form.response input[type=submit]')) {
                respell(event.target.form);
                emptyChoices(event.target.form);
            }
        }, true);
    }
})();
