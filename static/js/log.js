// The strace-like log: one line per event, appended as events arrive, the current one
// highlighted; a click on a line moves the replay there.

import { h } from "./dom.js";
import { lineKind, straceLine } from "./format.js";
import { scrollIntoContainer } from "./scroll.js";

export class Log {
  constructor(list, onSelect) {
    this.list = list;
    this.onSelect = onSelect;
    this.lines = [];
    this.current = null;
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
    }
    this.current = this.lines[seq] ?? null;
    if (!this.current) return;
    this.current.classList.add("current");
    this.current.setAttribute("aria-current", "step");
    scrollIntoContainer(this.list, this.current);
  }
}
