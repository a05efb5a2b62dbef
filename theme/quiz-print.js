// The quizzes on paper. mdbook-quiz 0.5.0 draws an interactive quiz (a
// "Start" button, one question at a time), which prints as "Quiz / N
// questions / Start". From the same data (the placeholder's
// data-quiz-questions), this writes for print only (theme/additions.css):
// - in place of each quiz, its questions with their choices A, B, C, …;
// - at the end of the page, the answers with their explanations, by chapter.
// On print.html that is the end of the book; a printed chapter has its own.
(() => {
    const quizzes = [...document.querySelectorAll('.quiz-placeholder[data-quiz-questions]')];
    if (quizzes.length === 0) return;

    const escape = (text) => text.replace(/[&<>"]/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

    /** The Markdown of quiz texts: paragraphs, ``` blocks, `code`, **bold**, *emphasis*. */
    function markdown(text) {
        const inline = (t) => escape(t)
            .replace(/`([^`]+)`/g, '<code>$1</code>')
            .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
            .replace(/(^|[^*\w])[*_]([^*_]+)[*_](?![*\w])/g, '$1<em>$2</em>');
        const html = [];
        let rest = text.trim();
        while (rest) {
            const fence = rest.match(/^```[^\n]*\n([\s\S]*?)\n```\s*/);
            if (fence) {
                html.push(`<pre><code>${escape(fence[1])}</code></pre>`);
                rest = rest.slice(fence[0].length);
                continue;
            }
            const next = rest.search(/\n\s*\n|\n(?=```)/);
            const paragraph = next < 0 ? rest : rest.slice(0, next);
            html.push(`<p>${inline(paragraph)}</p>`);
            rest = next < 0 ? '' : rest.slice(next).trimStart();
        }
        return html.join('');
    }

    /**
     * A question's choices in print order and the letters of the answers
     * (one, or several for a question with more than one right answer). The
     * quiz shuffles them on screen; on paper each answer takes a place that
     * depends on the question's number, so it is not always A.
     */
    function choices(question, number) {
        const distractors = question.prompt.distractors ?? [];
        const right = [].concat(question.answer.answer);
        const list = distractors.map((text) => ({ text, right: false }));
        right.forEach((text, k) => {
            const at = right.length === 1 && question.prompt.answerIndex !== undefined
                ? question.prompt.answerIndex
                : (number * 7 + 1 + k * 3) % (list.length + 1);
            list.splice(at, 0, { text, right: true });
        });
        const letters = list.flatMap((c, i) => (c.right ? [String.fromCharCode(65 + i)] : []));
        return { list: list.map((c) => c.text), letters };
    }

    /** One question for print, and its answer (with the explanation) for the answers section. */
    function render(question, number) {
        const { question: asked, answer } = renderBare(question, number);
        return { question: asked, answer: answer + (question.context ? markdown(question.context) : '') };
    }

    function renderBare(question, number) {
        const prompt = question.prompt ?? {};
        switch (question.type) {
            case 'MultipleChoice': {
                const { list, letters } = choices(question, number);
                const rightOnes = [].concat(question.answer.answer)
                    .map((a) => markdown(a).replace(/^<p>|<\/p>$/g, ''));
                return {
                    question: `${markdown(prompt.prompt)}<ol class="choices">${
                        list.map((c) => `<li>${markdown(c)}</li>`).join('')}</ol>`,
                    answer: `<p><strong>${letters.join(', ')}</strong>: ${rightOnes.join('; ')}</p>`,
                };
            }
            case 'ShortAnswer':
                return {
                    question: `${markdown(prompt.prompt)}<p>Answer: ____________________</p>`,
                    answer: `<p><strong>${escape(question.answer.answer)}</strong></p>`,
                };
            case 'Tracing':
                return {
                    question: `<p>Does this program compile? If it does, what does it print?</p>
                        <pre><code>${escape(prompt.program)}</code></pre>`,
                    answer: question.answer.doesCompile
                        ? `<p>It compiles and prints:</p><pre><code>${escape(question.answer.stdout ?? '')}</code></pre>`
                        : '<p>It does not compile.</p>',
                };
            default:
                return { question: markdown(prompt.prompt ?? ''), answer: '' };
        }
    }

    /** The chapter a quiz belongs to: the last chapter heading (h1) before it. */
    function chapterOf(element) {
        const headings = [...document.querySelectorAll('main h1')];
        let title = document.title;
        for (const h of headings) {
            if (h.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING) title = h.textContent.trim();
        }
        return title;
    }

    const answers = [];
    for (const placeholder of quizzes) {
        let data;
        try {
            data = JSON.parse(placeholder.dataset.quizQuestions);
        } catch {
            continue;
        }
        const chapter = chapterOf(placeholder);
        const printed = document.createElement('div');
        printed.className = 'quiz-print';
        const rendered = (data.questions ?? []).map((q, i) => render(q, i + 1));
        printed.innerHTML = `<p><em>The answers are at the end${
            document.body.querySelector('main h1 ~ h1') ? ' of the book' : ' of this chapter'}.</em></p>
            <ol class="questions">${rendered.map((r) => `<li>${r.question}</li>`).join('')}</ol>`;
        placeholder.after(printed);
        answers.push({ chapter, items: rendered.map((r) => r.answer) });
    }

    const main = document.querySelector('main');
    if (main && answers.length) {
        const section = document.createElement('section');
        section.className = 'quiz-answers';
        section.innerHTML = `<h1>Answers to “Check yourself”</h1>${answers.map((a) =>
            `<h2>${escape(a.chapter)}</h2><ol>${a.items.map((i) => `<li>${i}</li>`).join('')}</ol>`).join('')}`;
        main.appendChild(section);
    }
})();
