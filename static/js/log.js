// The strace-like log: one line per event, appended as events arrive, the current one
// highlighted; a click on a line moves the replay there. The list is one tab stop (the
// current line); ↑ and ↓ move through it, so thousands of lines are not thousands of tabs.

import { h } from "./dom.js";
import { lineKind, straceLine } from "./format.js";
import { scrollIntoContainer } from "./scroll.js";

export class Log {
  constructor(list, onSelect) {
    this.list = list;
    this.onSelect = onSelect;
    this.lines = [];
    this.current = null;
    list.addEventListener("keydown", (event) => this.onKey(event));
  }

  onKey(event) {
    const step = { ArrowUp: -1, ArrowDown: 1 }[event.key];
    const seq = Number(event.target.dataset?.seq);
    if (!step || Number.isNaN(seq) || !this.lines[seq + step]) return;
    event.preventDefault();
    this.onSelect(seq + step);
    this.lines[seq + step].focus();
  }

  clear() {
    this.lines = [];
    this.current = null;
    this.list.replaceChildren();
  }

  add(ev) {
    const button = h(
      "button",
      {
        type: "button",
        class: `log-line ${lineKind(ev)}`,
        "data-testid": "log-line",
        dataset: { seq: ev.seq, type: ev.type, pid: ev.pid ?? "", call: ev.call ?? "" },
        tabindex: ev.seq === 0 ? 0 : -1,
        onclick: () => this.onSelect(ev.seq),
      },
      h("span", { class: "seq", "aria-hidden": "true" }, String(ev.seq)),
      straceLine(ev),
    );
    this.lines[ev.seq] = button;
    this.list.append(h("li", {}, button));
  }

  highlight(seq) {
    if (this.current) {
      this.current.classList.remove("current");
      this.current.removeAttribute("aria-current");
      this.current.tabIndex = -1;
    }
    this.current = this.lines[seq] ?? null;
    if (!this.current) return;
    this.lines[0].tabIndex = -1;
    this.current.tabIndex = 0;
    this.current.classList.add("current");
    this.current.setAttribute("aria-current", "step");
    scrollIntoContainer(this.list, this.current);
  }
}
