// The drawing of one position of a run in a page's stage and panels (render.js draws it),
// the bytes flying into it, and the keyboard's place across redraws. The run page and the
// embed both show a run through this; what moves the position is theirs.

import { $ } from "./dom.js";
import { animateTransition, cancelFlights } from "./flow.js";
import { render } from "./render.js";
import { SourceView } from "./source.js";
import { TerminalView } from "./terminal.js";
import { drawWires } from "./wires.js";

const byId = (id) => $(`[data-testid="${id}"]`);
const NO_LOG = { highlight() {} }; // the embed shows no log

export class RunView {
  constructor(scenario) {
    this.view = {
      stage: byId("stage"),
      procs: byId("procs"),
      pipes: byId("pipes"),
      wires: byId("wires"),
      terminal: new TerminalView(byId("terminal")),
      caption: byId("caption"),
      empty: byId("empty"),
      source: new SourceView(byId("source"), scenario.sources ?? { en: scenario.source }),
      log: NO_LOG,
      chapter: scenario.chapter ?? "pipe",
    };
    this.flights = $(".flights");
    this.awaited = null; // {testid, pid} the focus goes back to when it reappears
    // A new width moves the cards and pipes: only the lines between them need drawing again
    // (a full redraw here would also cut short the bytes flying for the current step).
    new ResizeObserver(() => drawWires(this.view.stage, this.view.wires)).observe(this.view.stage);
  }

  get terminal() {
    return this.view.terminal;
  }

  set log(log) {
    this.view.log = log;
  }

  /** Show `ev` (null: nothing yet); opts go to render (step buttons); a step forward by one
   * plays its transition for `flightMs`; `playing` keeps a playback from being read aloud. */
  draw(ev, { opts = {}, animate = false, flightMs = 0, playing = false } = {}) {
    cancelFlights(this.flights);
    const focused = this.focusedControl();
    render(this.view, ev, opts);
    this.refocus(focused);
    // Read each step aloud when the student moves, not every frame of a playback.
    this.view.caption.setAttribute("aria-live", playing ? "off" : "polite");
    if (ev && animate) animateTransition(this.flights, ev, flightMs);
  }

  // A re-render replaces the cards' buttons: the keyboard's place is kept by what the focused
  // control is (its test id, and the process whose card holds it), not by the element. While
  // that control is gone (a process inside its call has no Step), the focus waits on the
  // card's status and comes back to the control when it returns.
  focusedControl() {
    const el = document.activeElement;
    const stage = this.view.stage;
    if (!el || !stage.contains(el) || !el.dataset.testid) return null;
    const here = { testid: el.dataset.testid, pid: el.closest("[data-pid]")?.dataset.pid ?? null };
    const awaited = this.awaited;
    return awaited && here.testid === "proc-status" && here.pid === awaited.pid ? awaited : here;
  }

  refocus(was) {
    const stage = this.view.stage;
    if (!was || stage.contains(document.activeElement)) return;
    const card = was.pid ? stage.querySelector(`[data-testid="proc"][data-pid="${was.pid}"]`) : stage;
    const again = card?.querySelector(`[data-testid="${was.testid}"]`);
    if (again) {
      again.focus({ preventScroll: true });
      this.awaited = null;
    } else {
      card?.querySelector('[data-testid="proc-status"]')?.focus({ preventScroll: true });
      this.awaited = was;
    }
  }
}
