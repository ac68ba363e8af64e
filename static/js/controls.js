// The replay controls: first, back, play/pause, forward, last, a slider over every event
// received, the speed, jumps to the previous or next moment of a kind (a block, a wake, an
// end of file, a signal, an exit, an error), whole calls as one step, and the keyboard
// (← → space Home End, [ ] for the moments).

import { t } from "./i18n.js";
import { icon } from "./icons.js";
import { findMoment } from "./moments.js";

const SPEED_KEY = "pipescope.speed";
const MOMENT_KEY = "pipescope.moment";
const WHOLE_KEY = "pipescope.whole-calls";

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage refused: the defaults
  }
}

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage refused: the choice lasts for this page
  }
}

export function bindControls(root, timeline) {
  const el = (id) => root.querySelector(`[data-testid="${id}"]`);
  const [first, back, play, forward, last, slider, speed, position] = [
    "first", "back", "play", "forward", "last", "slider", "speed", "position",
  ].map(el);

  first.addEventListener("click", () => timeline.seek(0));
  back.addEventListener("click", () => timeline.seek(timeline.step(timeline.pos, -1)));
  forward.addEventListener("click", () => timeline.seek(timeline.step(timeline.pos, 1)));
  last.addEventListener("click", () => timeline.seek(timeline.last));
  play.addEventListener("click", () => timeline.toggle());
  slider.addEventListener("input", () => timeline.seek(Number(slider.value)));

  const saved = stored(SPEED_KEY);
  if (saved && [...speed.options].some((o) => o.value === saved)) speed.value = saved;
  timeline.setInterval(Number(speed.value));
  speed.addEventListener("change", () => {
    timeline.setInterval(Number(speed.value));
    store(SPEED_KEY, speed.value);
  });

  const [kind, prevMoment, nextMoment, whole] = ["moment-kind", "moment-prev", "moment-next", "whole-calls"].map(el);
  const savedKind = stored(MOMENT_KEY);
  if (savedKind && [...kind.options].some((o) => o.value === savedKind)) kind.value = savedKind;
  kind.addEventListener("change", () => {
    store(MOMENT_KEY, kind.value);
    update();
  });
  const jump = (dir) => {
    const found = findMoment(timeline.events, timeline.pos, dir, kind.value);
    if (found !== null) timeline.seek(found);
  };
  prevMoment.addEventListener("click", () => jump(-1));
  nextMoment.addEventListener("click", () => jump(1));
  whole.checked = stored(WHOLE_KEY) === "1";
  timeline.wholeCalls = whole.checked;
  whole.addEventListener("change", () => {
    timeline.wholeCalls = whole.checked;
    store(WHOLE_KEY, whole.checked ? "1" : "0");
  });

  document.addEventListener("keydown", (event) => onKey(event, timeline, jump));

  function update() {
    const n = timeline.events.length;
    const pos = timeline.pos;
    first.disabled = back.disabled = n === 0 || pos <= 0;
    forward.disabled = last.disabled = n === 0 || pos >= n - 1;
    play.disabled = n === 0;
    const label = timeline.playing ? t("ctl.pause") : t("ctl.play");
    if (play.dataset.icon !== String(timeline.playing)) {
      play.replaceChildren(icon(timeline.playing ? "pause" : "play"));
      play.dataset.icon = String(timeline.playing);
    }
    play.setAttribute("aria-label", label);
    play.title = label;
    play.setAttribute("aria-pressed", String(timeline.playing));
    slider.disabled = n < 2;
    slider.max = String(Math.max(0, n - 1));
    slider.value = String(Math.max(0, pos));
    const text = n ? t("ctl.position", { n: pos, total: n - 1 }) : "";
    position.textContent = text;
    slider.setAttribute("aria-valuetext", text);
    prevMoment.disabled = findMoment(timeline.events, pos, -1, kind.value) === null;
    nextMoment.disabled = findMoment(timeline.events, pos, 1, kind.value) === null;
  }
  return update;
}

function onKey(event, timeline, jump) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  const typing = target.matches?.("input:not([type=range]):not([type=checkbox]), select, textarea, [contenteditable]");
  if (typing) return;
  const onSlider = target.matches?.("input[type=range]");
  // Space and Enter on a focused control are that control's: a button, link or checkbox does
  // what it says (WAI-ARIA), the shortcut does not take the key from it.
  const onControl = target.matches?.("button, a[href], summary, input[type=checkbox], [role=button]");
  if (onControl && (event.key === " " || event.key === "Enter")) return;
  switch (event.key) {
    case "ArrowLeft":
      if (onSlider) return; // the slider moves itself and reports through its input event
      timeline.seek(timeline.step(timeline.pos, -1));
      break;
    case "ArrowRight":
      if (onSlider) return;
      timeline.seek(timeline.step(timeline.pos, 1));
      break;
    case "[":
      jump(-1);
      break;
    case "]":
      jump(1);
      break;
    case " ":
      timeline.toggle();
      break;
    case "Home":
      timeline.seek(0);
      break;
    case "End":
      timeline.seek(timeline.last);
      break;
    default:
      return;
  }
  event.preventDefault();
}
