// The run page: start a run, receive its events, and show any position of it.

import { bindControls } from "./controls.js";
import { $ } from "./dom.js";
import { initLang, onLangChange } from "./i18n.js";
import { Log } from "./log.js";
import { RunControl } from "./run-control.js";
import { RunView } from "./run-view.js";
import { bindShare } from "./share.js";
import { takeControlLink } from "./tokens.js";
import { Timeline } from "./timeline.js";

const scenario = JSON.parse($("#scenario").textContent);
const byId = (id) => $(`[data-testid="${id}"]`);

const view = new RunView(scenario);
const timeline = new Timeline(onMove);
const log = new Log(byId("log"), (seq) => timeline.seek(seq));
view.log = log;
const updateControls = bindControls(byId("controls"), timeline);
const run = new RunControl(scenario, timeline, log, () => redraw(), view.terminal);
const updateShare = bindShare(byId("share"), () => shownStep(), scenario);
let shownSteppable = null;

function steppable(index) {
  return run.canStep() && index === timeline.last;
}

/** The run and the step shown ({runId, seq, ended}), once there is one; null before. */
function shownStep() {
  const ev = timeline.events[timeline.pos];
  return run.runId && ev ? { runId: run.runId, seq: ev.seq, ended: run.ended } : null;
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
  updateShare();
  keepAddress();
  run.lesson.report();
  run.updateBars(index);
  // New events arriving do not move the position, but they end the newest-event status
  // that Step buttons depend on.
  if (onlyCount && shownSteppable === steppable(index)) return;
  draw(index, animate);
}

function draw(index, animate) {
  const ev = timeline.events[index] ?? null;
  shownSteppable = steppable(index);
  const opts = { steppable: shownSteppable, stepMode: run.canStep(), onStep: (pid) => run.step(pid) };
  view.draw(ev, { opts, animate, flightMs: Math.min(timeline.intervalMs * 0.85, 800), playing: timeline.playing });
}

function redraw() {
  updateControls();
  run.updateBars(timeline.pos);
  draw(timeline.pos, false);
}

initLang();
onLangChange(() => redraw());
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
