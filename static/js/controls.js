// The replay controls: first, back, play/pause, forward, last, a slider over every event
// received, the speed, and the keyboard (← → space Home End).

import { t } from "./i18n.js";
import { icon } from "./icons.js";

const SPEED_KEY = "pipescope.speed";

export function bindControls(root, timeline) {
  const el = (id) => root.querySelector(`[data-testid="${id}"]`);
  const [first, back, play, forward, last, slider, speed, position] = [
    "first", "back", "play", "forward", "last", "slider", "speed", "position",
  ].map(el);

  first.addEventListener("click", () => timeline.seek(0));
  back.addEventListener("click", () => timeline.seek(timeline.pos - 1));
  forward.addEventListener("click", () => timeline.seek(timeline.pos + 1));
  last.addEventListener("click", () => timeline.seek(timeline.last));
  play.addEventListener("click", () => timeline.toggle());
  slider.addEventListener("input", () => timeline.seek(Number(slider.value)));

  const saved = localStorage.getItem(SPEED_KEY);
  if (saved && [...speed.options].some((o) => o.value === saved)) speed.value = saved;
  timeline.setInterval(Number(speed.value));
  speed.addEventListener("change", () => {
    timeline.setInterval(Number(speed.value));
    localStorage.setItem(SPEED_KEY, speed.value);
  });

  document.addEventListener("keydown", (event) => onKey(event, timeline));

  return function update() {
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
  };
}

function onKey(event, timeline) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  const typing = target.matches?.("input:not([type=range]):not([type=checkbox]), select, textarea, [contenteditable]");
  if (typing) return;
  const onSlider = target.matches?.("input[type=range]");
  switch (event.key) {
    case "ArrowLeft":
      if (onSlider) return; // the slider moves itself and reports through its input event
      timeline.seek(timeline.pos - 1);
      break;
    case "ArrowRight":
      if (onSlider) return;
      timeline.seek(timeline.pos + 1);
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
