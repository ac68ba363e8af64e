root => {
  const skip = "code, pre, kbd, script, style, [data-testid=log-line], [data-testid=terminal], .src-line, .proc-name, .fdnum, .target";
  const out = [];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode;
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    const text = n.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of root.querySelectorAll("[title], [aria-label], [data-tip]")) {
    if (el.closest("pre, [data-testid=log-line], .src-line")) continue;
    for (const v of [el.title, el.getAttribute("aria-label"), el.dataset.tip]) if (v) out.push(v);
  }
  return out;
}
