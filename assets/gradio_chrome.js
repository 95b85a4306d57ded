// Gradio's own words on a page in another language. Gradio 6 writes a pop-up's title ("Error"),
// the status line's "processing |" and "queue: 2/5 |" and the pop-up's "Close" in English whatever
// its gr.I18n says (they are not in its translation tables), and sets <html lang> to its own locale.
// WORDS (defined before this file by html.gradio_chrome, from the locales): this page's words.
(words => {
  const titles = { Error: words.error, Warning: words.warning, Info: words.info, Success: words.success };
  const lines = [
    [/^processing \|$/, () => `${words.processing} |`],
    [/^queue: (.*)$/, m => `${words.queue}: ${m[1]}`],
  ];
  const translate = node => {
    const text = node.nodeValue.trim();
    if (!text) return;
    const el = node.parentElement;
    if (titles[text] && el && el.closest('[data-testid="toast-body"]')) {
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
