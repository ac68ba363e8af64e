// The run page: start a run, receive its events, and show any position of it.

import { bindControls } from "./controls.js";
import { $ } from "./dom.js";
import { animateTransition, cancelFlights } from "./flow.js";
import { initLang, onLangChange } from "./i18n.js";
import { Log } from "./log.js";
import { render } from "./render.js";
import { RunControl } from "./run-control.js";
import { SourceView } from "./source.js";
import { TerminalView } from "./terminal.js";
import { takeControlLink } from "./tokens.js";
import { Timeline } from "./timeline.js";
import { drawWires } from "./wires.js";

const scenario = JSON.parse($("#scenario").textContent);
const byId = (id) => $(`[data-testid="${id}"]`);

const view = {
  stage: byId("stage"),
  procs: byId("procs"),
  pipes: byId("pipes"),
  wires: byId("wires"),
  terminal: new TerminalView(byId("terminal")),
  caption: byId("caption"),
  empty: byId("empty"),
  source: new SourceView(byId("source"), scenario.sources ?? { en: scenario.source }),
  log: null,
  chapter: scenario.chapter ?? "pipe",
};
const flights = $(".flights");

const timeline = new Timeline(onMove);
view.log = new Log(byId("log"), (seq) => timeline.seek(seq));
const updateControls = bindControls(byId("controls"), timeline);
const run = new RunControl(scenario, timeline, view.log, () => redraw(), view.terminal);
let shownSteppable = null;

function steppable(index) {
  return run.canStep() && index === timeline.last;
}

// The address names the position shown (/runs/ID?seq=K), so a reload comes back to it: at
// once, or, within ADDRESS_MS of the last rewrite, as soon as that has passed (browsers limit
// how often a page may rewrite its address: Safari to 100 times in 10 s).
const ADDRESS_MS = 150;
let addressTimer = null;
let addressAt = 0;
function writeAddress() {
  addressTimer = null;
  addressAt = performance.now();
  const ev = timeline.events[timeline.pos];
  if (!run.runId || !ev || run.wantSeq !== null) return;
  const lang = new URLSearchParams(location.search).get("lang");
  // A lesson's watcher that follows keeps the watch link: a reload follows again.
  const place = run.lesson.role === "watcher" && run.lesson.following ? { follow: "1" } : { seq: String(ev.seq) };
  const query = new URLSearchParams({ ...place, ...(lang ? { lang } : {}) });
  history.replaceState(null, "", `/runs/${run.runId}?${query}`);
}
function keepAddress() {
  if (addressTimer) return;
  const wait = addressAt + ADDRESS_MS - performance.now();
  if (wait <= 0) writeAddress();
  else addressTimer = setTimeout(writeAddress, wait);
}

function onMove(index, { animate, onlyCount = false }) {
  updateControls();
  keepAddress();
  run.lesson.report();
  run.updateBars(index);
  // New events arriving do not move the position, but they end the newest-event status
  // that Step buttons depend on.
  if (onlyCount && shownSteppable === steppable(index)) return;
  draw(index, animate);
}

// A re-render replaces the cards' buttons: the keyboard's place is kept by what the focused
// control is (its test id, and the process whose card holds it), not by the element. While
// that control is gone (a process inside its call has no Step), the focus waits on the
// card's status and comes back to the control when it returns.
let awaited = null; // {testid, pid} the focus goes back to when it reappears

function focusedControl() {
  const el = document.activeElement;
  if (!el || !view.stage.contains(el) || !el.dataset.testid) return null;
  const here = { testid: el.dataset.testid, pid: el.closest("[data-pid]")?.dataset.pid ?? null };
  return awaited && here.testid === "proc-status" && here.pid === awaited.pid ? awaited : here;
}

function refocus(was) {
  if (!was || view.stage.contains(document.activeElement)) return;
  const card = was.pid ? view.stage.querySelector(`[data-testid="proc"][data-pid="${was.pid}"]`) : view.stage;
  const again = card?.querySelector(`[data-testid="${was.testid}"]`);
  if (again) {
    again.focus({ preventScroll: true });
    awaited = null;
  } else {
    card?.querySelector('[data-testid="proc-status"]')?.focus({ preventScroll: true });
    awaited = was;
  }
}

function draw(index, animate) {
  cancelFlights(flights);
  const ev = timeline.events[index] ?? null;
  shownSteppable = steppable(index);
  const focused = focusedControl();
  render(view, ev, { steppable: shownSteppable, stepMode: run.canStep(), onStep: (pid) => run.step(pid) });
  refocus(focused);
  // Read each step aloud when the student moves, not every frame of a playback.
  view.caption.setAttribute("aria-live", timeline.playing ? "off" : "polite");
  if (ev && animate) animateTransition(flights, ev, Math.min(timeline.intervalMs * 0.85, 800));
}

function redraw() {
  updateControls();
  run.updateBars(timeline.pos);
  draw(timeline.pos, false);
}

initLang();
onLangChange(() => redraw());
// A new width moves the cards and pipes: only the lines between them need drawing again
// (a full redraw here would also cut short the bytes flying for the current step).
new ResizeObserver(() => drawWires(view.stage, view.wires)).observe(view.stage);
redraw();

byId("run-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const mode = ["step", "lesson"].includes(event.submitter?.value) ? event.submitter.value : "live";
  if (await run.confirmNewRun()) run.start(mode);
});
byId("stop").addEventListener("click", () => run.kill());

// The server says whether ?autorun=1 came from the user or a page of ours ("start"), or
// from another site ("refused": the page waits for a click on Run).
const query = new URLSearchParams(location.search);
const page = byId("run-page").dataset;
if (page.run) {
  takeControlLink(page.run);
  const seq = query.has("seq") ? Number.parseInt(query.get("seq"), 10) : null;
  run.attach(page.run, page.runMode, Number.isInteger(seq) && seq >= 0 ? seq : null, page.lesson === "1");
} else if (page.autorun === "start") {
  run.start(query.get("mode") === "step" ? "step" : "live");
}
