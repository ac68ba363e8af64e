// The scenario's C source, one element per line, with the current event's line marked and,
// in step mode, where each process will make its next call. Its comments are in the page's
// language (sources.en, sources.zh: the same code, line for line).

import { h } from "./dom.js";
import { getLang } from "./i18n.js";
import { roleName } from "./world.js";
import { scrollIntoContainer } from "./scroll.js";

export class SourceView {
  constructor(pre, sources) {
    this.pre = pre;
    this.sources = sources ?? {};
    this.lang = null;
    this.lines = [];
    this.build();
  }

  build() {
    this.lang = getLang();
    const source = this.sources[this.lang] ?? this.sources.en ?? "";
    this.lines = source.replace(/\n$/, "").split("\n").map((text, i) =>
      h(
        "span",
        { class: "src-line", "data-testid": "src-line", dataset: { line: i + 1 } },
        h("span", { class: "no", "aria-hidden": "true" }, String(i + 1)),
        h("span", { class: "code" }, text || " "),
        h("span", { class: "marks" }),
      ),
    );
    this.pre.replaceChildren(...this.lines);
  }

  /** Mark event.line as current, and each process's next call line with its pid. */
  show(ev) {
    if (this.lang !== getLang()) this.build();
    for (const line of this.pre.querySelectorAll(".src-line.current, .src-line.next")) {
      line.classList.remove("current", "next");
      line.removeAttribute("aria-current");
      line.querySelector(".marks").replaceChildren();
    }
    for (const proc of ev?.state.procs ?? []) {
      const line = proc.next?.line && this.lines[proc.next.line - 1];
      if (!line) continue;
      line.classList.add("next");
      line.querySelector(".marks").append(h("span", { class: "mark", title: `${roleName(proc)} ${proc.pid}` }, String(proc.pid)));
    }
    const current = ev?.line ? this.lines[ev.line - 1] : null;
    if (!current) return;
    current.classList.add("current");
    current.setAttribute("aria-current", "step");
    scrollIntoContainer(this.pre, current);
  }
}
