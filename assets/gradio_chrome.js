// Gradio's own words on a page in another language: a pop-up's title and an output's status ("Error";
// a text of just that word is never ours, but in a token view or a chart), the status line's
// "processing |" and "queue: 2/5 |", "Loading...", "common.complete" (a key its tables lack) and the pop-up's
// "Close". Gradio 6 writes them in English on this page: some are not in its translation tables, and
// it picks a table by the browser's language among those it ships (no Telugu), not by the page. It
// also sets <html lang> to that language. WORDS (defined before this file by html.gradio_chrome,
// from the locales): this page's words.
(words => {
  const titles = { Error: words.error, Warning: words.warning, Info: words.info, Success: words.success };
  const lines = [
    [/^processing \|$/, () => `${words.processing} |`],
    [/^queue: (.*)$/, m => `${words.queue}: ${m[1]}`],
    [/^common\.complete$/, () => words.complete], // a key missing from Gradio's own tables
    [/^Loading(\.\.\.|…)?$/, m => `${words.loading}${m[1] || ''}`], // a pending event's status
  ];
  const translate = node => {
    const text = node.nodeValue.trim();
    if (!text) return;
    const el = node.parentElement;
    if (titles[text] && el && !el.closest('.pg-tokens, .pg-tok, .js-plotly-plot, textarea')) {
      node.nodeValue = titles[text] + ' ';
      return;
    }
    for (const [pattern, say] of lines) {
      const m = text.match(pattern);
      if (m) node.nodeValue = say(m);
    }
  };
  const visit = root => {
    if (root.nodeType === Node.TEXT_NODE) return translate(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    for (const button of root.querySelectorAll('[data-testid="toast-close"]')) {
      button.setAttribute('aria-label', words.close);
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) translate(walker.currentNode);
  };
  const html = document.documentElement;
  new MutationObserver(changes => {
    for (const change of changes) {
      if (change.type === 'characterData') translate(change.target);
      else if (change.type === 'childList') change.addedNodes.forEach(visit);
      else if (change.target === html && html.lang !== words.lang) html.lang = words.lang;
    }
  }).observe(html, { childList: true, subtree: true, characterData: true, attributes: true,
                     attributeFilter: ['lang'] });
  html.lang = words.lang;
})(WORDS);
