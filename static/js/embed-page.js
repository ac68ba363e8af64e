// The embed (/embed/ID?seq=K): a run, read-only, in a frame of slides or a course page. The
// run page's drawing (run-view.js) and replay (timeline.js, controls.js), with events read
// over REST (events-feed.js): it holds no token and sends no control. A link opens the run
// page at the step shown.

import { bindControls } from "./controls.js";
import { $ } from "./dom.js";
import { followEvents } from "./events-feed.js";
import { t } from "./i18n.js";
import { RunView } from "./run-view.js";
import { Timeline } from "./timeline.js";

const scenario = JSON.parse($("#scenario").textContent);
const byId = (id) => $(`[data-testid="${id}"]`);
const page = byId("embed-page").dataset;
const runId = page.run;
const lang = new URLSearchParams(location.search).get("lang");

const view = new RunView(scenario);
view.terminal.reset(runId); // the terminal may ask the server for text it has not seen
const timeline = new Timeline(onMove);
const updateControls = bindControls(byId("controls"), timeline);
let wanted = page.seq === undefined ? null : Number(page.seq); // until its event is here

function onMove(index, { animate, onlyCount = false }) {
  updateControls();
  linkTo(timeline.events[index]);
  if (onlyCount) return;
  const flightMs = Math.min(timeline.intervalMs * 0.85, 800);
  view.draw(timeline.events[index] ?? null, { animate, flightMs, playing: timeline.playing });
}

/** "Open in pipescope" opens the run page at the step shown, in the embed's language. */
function linkTo(ev) {
  if (!ev || wanted !== null) return;
  const query = new URLSearchParams({ seq: String(ev.seq), ...(lang ? { lang } : {}) });
  byId("open-full").href = `/runs/${encodeURIComponent(runId)}?${query}`;
}

function received(events) {
  view.terminal.add(events); // before the timeline draws any of them
  timeline.add(events);
  if (wanted !== null && (timeline.events[wanted] || timeline.ended)) {
    const seq = Math.min(wanted, timeline.last);
    wanted = null;
    timeline.seek(seq);
  }
}

function trouble(problem) {
  const alert = byId("alert");
  alert.hidden = !problem;
  if (!problem) return;
  if (problem.network) alert.textContent = t("run.connection_lost");
  else alert.textContent = problem.status === 404 ? t("embed.gone") : t("embed.refused", { status: problem.status });
  if (problem.status && wanted !== null && timeline.events.length) {
    wanted = null; // what arrived is all there will be: show the nearest
    timeline.seek(timeline.last);
  }
}

view.draw(null);
updateControls();
followEvents(runId, { onEvents: received, onTrouble: trouble });
