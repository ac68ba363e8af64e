// Scroll a panel so a line is visible, without scrolling the page itself (scrollIntoView
// would move the whole window on every step and lose the student's place).

export function scrollIntoContainer(container, el) {
  const c = container.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  if (r.top < c.top) container.scrollTop -= c.top - r.top + 8;
  else if (r.bottom > c.bottom) container.scrollTop += r.bottom - c.bottom + 8;
}
