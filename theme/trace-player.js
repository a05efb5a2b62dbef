// The trace player: steps through a recorded run of the runtime, one trace
// line at a time, and shows what the line means and the state at that
// moment: the tasks, the executor's run queue, each token's waker slots, the
// bytes waiting in each socket, and who acted.
//
// A chapter holds a player as
//
//   <div class="trace-player" hidden>
//   <p class="tp-intro">A sentence introducing it.</p>
//   <script type="application/json">
//   {{#include ../code/examples/output/NAME.player.json}}
//   </script>
//   </div>
//
// The data is in the page (nothing is fetched). It is made by the example
// `player_data` (code/examples/player_data.rs, which documents its format)
// from a run recorded with `code::trace::record`, and a test checks that the
// runtime still runs it so. This script only draws it.
//
// Without JavaScript the container stays hidden (the chapter's text trace
// says it all), and in print it is hidden too (see trace-player.css).
(() => {
  'use strict';

  const taskName = (id) => (id === 0 ? 'main future' : `task ${id}`);
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

  /** An element with a class and children (strings become text). */
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child);
    }
    return node;
  }

  /** A sentence whose `backquoted` parts are code. */
  function prose(text) {
    const parts = text.split('`');
    return parts.map((part, i) => (i % 2 ? el('code', null, part) : document.createTextNode(part)));
  }

  /** Marks `node` as changed since the step before, if `now` differs from `before`. */
  function mark(node, now, before) {
    if (before !== undefined && now !== before) node.classList.add('tp-changed');
    return node;
  }

  let players = 0;

  function build(container) {
    const source = container.querySelector('script[type="application/json"]');
    if (!source) return;
    let data;
    try {
      data = JSON.parse(source.textContent);
    } catch (error) {
      console.error('trace player: unreadable data', error);
      return;
    }
    const steps = data.steps;
    if (!Array.isArray(steps) || steps.length === 0) return;
    players += 1;
    const id = `trace-player-${players}`;
    const oneSlot = data.slots === 'one';

    container.setAttribute('role', 'group');
    container.setAttribute('aria-roledescription', 'trace player');
    container.setAttribute('aria-labelledby', `${id}-title`);
    container.tabIndex = 0;

    const title = el('p', 'tp-title', `Trace player: ${data.title}`);
    title.id = `${id}-title`;
    const count = el('p', 'tp-count');
    count.id = `${id}-count`;

    const button = (label, text, className) => {
      const b = el('button', `tp-button ${className}`, text);
      b.type = 'button';
      b.setAttribute('aria-label', label);
      return b;
    };
    const first = button('First step', 'First', 'tp-first');
    const back = button('Back one step', '◀ Back', 'tp-back');
    const next = button('Next step', 'Next ▶', 'tp-next');
    const last = button('Last step', 'Last', 'tp-last');
    const slider = el('input', 'tp-slider');
    slider.type = 'range';
    slider.min = '1';
    slider.max = String(steps.length);
    slider.setAttribute('aria-label', 'Step');
    const controls = el('div', 'tp-controls', first, back, next, last, slider);

    const line = el('code', 'tp-line-text');
    const lineBox = el('pre', 'tp-line', line);
    const meaning = el('p', 'tp-meaning');

    const panel = (name, label) => {
      const heading = el('p', 'tp-panel-title', label);
      const badge = el('span', 'tp-badge', 'acts');
      heading.append(' ', badge);
      const body = el('div', 'tp-panel-body');
      const node = el('div', `tp-panel tp-${name}`, heading, body);
      node.dataset.actor = name;
      return { node, body };
    };
    const tasks = panel('task', 'Tasks');
    const executor = panel('executor', 'Executor');
    const reactor = panel('reactor', 'Reactor');
    const kernel = panel('kernel', 'Kernel');
    const state = el('div', 'tp-state', tasks.node, executor.node, reactor.node, kernel.node);

    const live = el('p', 'tp-live');
    live.setAttribute('aria-live', 'polite');
    live.id = `${id}-live`;
    const help = el('p', 'tp-help', 'Keys, once the player has focus: ← and → step, Home and End go to the ends.');

    // The chapter's sentence introducing the player is part of it: without
    // JavaScript, or in print, it is hidden with the player.
    const intro = Array.from(container.querySelectorAll(':scope > .tp-intro'));
    const head = el('div', 'tp-head', title, count);
    container.replaceChildren(...intro, head, controls, lineBox, meaning, state, help, live);
    container.append(source); // keep the data where it was
    container.hidden = false;

    let at = 0;

    function drawTasks(step, before) {
      const list = el('ul', 'tp-chips');
      for (const task of step.tasks) {
        const old = before?.tasks.find((t) => t.id === task.id);
        const chip = mark(el('li', `tp-chip tp-${task.state}`, `${taskName(task.id)}: ${task.state}`),
          task.state, before ? (old?.state ?? '') : undefined);
        if (step.actor === 'task' && step.task === task.id) chip.classList.add('tp-acting-task');
        list.append(chip);
      }
      tasks.body.replaceChildren(step.tasks.length ? list : el('p', 'tp-empty', 'no task yet'));
    }

    function drawExecutor(step, before) {
      const queue = step.queue.length ? step.queue.map(taskName).join(' → ') : 'empty';
      const polling = step.running === null ? 'nothing' : taskName(step.running);
      const rows = [
        mark(el('p', null, 'Polling: ', el('strong', null, polling)), polling,
          before && (before.running === null ? 'nothing' : taskName(before.running))),
        mark(el('p', null, 'Run queue: ', el('strong', null, queue)), queue,
          before && (before.queue.length ? before.queue.map(taskName).join(' → ') : 'empty')),
      ];
      if (step.asleep) rows.push(el('p', 'tp-asleep', 'Asleep in reactor.wait: the thread waits in the kernel.'));
      executor.body.replaceChildren(...rows);
    }

    function slotText(task) {
      return task === null ? 'empty' : `${taskName(task)}'s waker`;
    }

    function drawReactor(step, before) {
      if (!step.tokens.length) {
        reactor.body.replaceChildren(el('p', 'tp-empty', 'no socket registered'));
        return;
      }
      const table = el('table', 'tp-table');
      const headRow = el('tr', null, el('th', null, 'token'));
      if (oneSlot) headRow.append(el('th', null, 'the one slot'));
      else headRow.append(el('th', null, 'read slot'), el('th', null, 'write slot'));
      table.append(el('thead', null, headRow));
      const body = el('tbody');
      for (const token of step.tokens) {
        const old = before?.tokens.find((t) => t.token === token.token);
        const row = el('tr', null, el('th', null, String(token.token)));
        const cells = oneSlot ? ['read'] : ['read', 'write'];
        for (const slot of cells) {
          const text = slotText(token[slot]);
          const cell = mark(el('td', token[slot] === null ? 'tp-slot-empty' : 'tp-slot-full', text), text,
            before ? (old ? slotText(old[slot]) : '') : undefined);
          row.append(cell);
        }
        body.append(row);
      }
      table.append(body);
      reactor.body.replaceChildren(table);
    }

    function unreadText(token) {
      const bytes = token.unread ? plural(token.unread, 'byte') : 'none';
      return token.eof ? `${bytes}, then end of stream` : bytes;
    }

    function drawKernel(step, before) {
      if (!data.bytes || !step.tokens.length) {
        kernel.body.replaceChildren(el('p', 'tp-empty',
          'Reports readiness: the lines "reactor: event for token …".'));
        return;
      }
      const table = el('table', 'tp-table');
      table.append(el('thead', null, el('tr', null, el('th', null, 'token'), el('th', null, 'unread bytes'))));
      const body = el('tbody');
      for (const token of step.tokens) {
        const old = before?.tokens.find((t) => t.token === token.token);
        const text = unreadText(token);
        body.append(el('tr', null, el('th', null, String(token.token)),
          mark(el('td', null, text), text, before ? (old ? unreadText(old) : '') : undefined)));
      }
      table.append(body);
      kernel.body.replaceChildren(table);
    }

    function show(index, announce) {
      at = Math.max(0, Math.min(steps.length - 1, index));
      const step = steps[at];
      const before = at > 0 ? steps[at - 1] : undefined;
      count.textContent = `Step ${at + 1} of ${steps.length}`;
      line.textContent = step.line;
      meaning.replaceChildren(...prose(step.meaning));
      slider.value = String(at + 1);
      slider.setAttribute('aria-valuetext', `Step ${at + 1} of ${steps.length}: ${step.line}`);
      for (const p of [tasks, executor, reactor, kernel]) {
        p.node.classList.toggle('tp-acting', p.node.dataset.actor === step.actor);
      }
      drawTasks(step, before);
      drawExecutor(step, before);
      drawReactor(step, before);
      drawKernel(step, before);
      first.disabled = back.disabled = at === 0;
      next.disabled = last.disabled = at === steps.length - 1;
      container.dataset.step = String(at + 1);
      if (announce) {
        live.textContent = `Step ${at + 1} of ${steps.length}: ${step.line}. ${step.meaning.replaceAll('`', '')}`;
      }
    }

    /**
     * Moves, and keeps the focus in the player. A button that has the
     * focus can become disabled (Last, First, or Back at step 2), and a
     * disabled button loses it: to the page, where mdBook's ← and → turn to
     * another chapter. Some browsers move the focus away as soon as the
     * button is disabled, so the focused element is noted before, and the
     * focus goes to the button that steps the other way (or the slider).
     */
    function go(index) {
      const focused = container.contains(document.activeElement) ? document.activeElement : null;
      show(index, true);
      if (focused instanceof HTMLButtonElement && focused.disabled) {
        const other = focused === first || focused === back ? next : back;
        (other.disabled ? slider : other).focus();
      }
    }

    /**
     * Panels that keep their height: each part of the player that changes
     * from step to step (the line, its meaning, the four panels) gets the
     * height of its tallest step as its least height, so stepping never
     * moves what is below it. Measured again when the player's width
     * changes (text wraps differently).
     */
    const steady = [lineBox, meaning, tasks.node, executor.node, reactor.node, kernel.node];
    let measuredWidth = -1;
    function keepHeights() {
      const width = container.clientWidth;
      if (width === 0 || width === measuredWidth) return;
      measuredWidth = width;
      for (const node of steady) node.style.minHeight = '';
      const tallest = steady.map(() => 0);
      const now = at;
      for (let i = 0; i < steps.length; i++) {
        show(i, false);
        steady.forEach((node, k) => {
          tallest[k] = Math.max(tallest[k], node.getBoundingClientRect().height);
        });
      }
      steady.forEach((node, k) => {
        // border-box, so the measured height is the least height.
        node.style.boxSizing = 'border-box';
        node.style.minHeight = `${Math.ceil(tallest[k])}px`;
      });
      show(now, false);
    }

    first.addEventListener('click', () => go(0));
    back.addEventListener('click', () => go(at - 1));
    next.addEventListener('click', () => go(at + 1));
    last.addEventListener('click', () => go(steps.length - 1));
    slider.addEventListener('input', () => go(Number(slider.value) - 1));

    // Arrow keys step only while the focus is inside this player; anywhere
    // else they do what they always do (mdBook turns the page with them).
    container.addEventListener('keydown', (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (event.target === slider) {
        // The slider moves by itself; only keep the page from turning.
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') event.stopPropagation();
        return;
      }
      const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: steps.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      event.stopPropagation();
      go(moves[event.key]);
    });

    show(0, false);
    keepHeights();
    new ResizeObserver(() => keepHeights()).observe(container);
  }

  function start() {
    for (const container of document.querySelectorAll('.trace-player')) build(container);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
