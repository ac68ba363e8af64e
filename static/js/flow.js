// The transition into an event, played when the student steps forward by one: bytes travel,
// with their text, from the writer's fd to the pipe's write end, or from the pipe's read end
// to the reader's fd, or from a process to the terminal. What moves, and where, is read from
// the current event alone (the call names its fd; its state names that fd's pipe). Only ever
// an animation on top of a frame that render() already drew; nothing here is needed to show
// a position correctly.

import { h } from "./dom.js";
import { dataText } from "./format.js";
import { pipeFlow, fdOf } from "./world.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

export function animateTransition(layer, ev, duration) {
  if (reducedMotion.matches || duration < 120 || ev.type !== "call.return" || ev.ret <= 0) return;
  const route = routeOf(ev);
  if (!route) return;
  const points = route.map(centre);
  if (points.some((p) => !p)) return;
  const chip = h("div", { class: `flight ${ev.call}` }, dataText(ev));
  layer.append(chip);
  // Along the line the student sees: from the fd, through the pipe's end, into the ring.
  const at = (p) => `translate(${p.x}px, ${p.y}px) translate(-50%, -50%)`;
  const frames = points.map((p, i) => ({ transform: at(p), offset: i / (points.length - 1), opacity: 1 }));
  frames[0].opacity = 0;
  frames[frames.length - 1].opacity = 0.2;
  const animation = chip.animate(frames, { duration, easing: "ease-in-out" });
  animation.onfinish = () => chip.remove();
  animation.oncancel = () => chip.remove();
}

/** Which two elements the bytes travel between, or null when none moved visibly. */
function routeOf(ev) {
  const row = document.querySelector(`tr[data-testid="fd-row"][data-pid="${ev.pid}"][data-fd="${ev.args.fd}"]`);
  if (!row) return null;
  const flow = pipeFlow(ev);
  if (flow) {
    const end = flow.dir === "in" ? "write" : "read";
    const port = document.querySelector(`.port[data-pipe="${CSS.escape(flow.pipe)}"][data-end="${end}"]`);
    const ring = port?.closest(".pipe")?.querySelector(".ring");
    if (!ring) return null;
    return flow.dir === "in" ? [row, port, ring] : [ring, port, row];
  }
  const fd = fdOf(ev.state, ev.pid, ev.args.fd);
  if (ev.call === "write" && fd?.kind === "tty") return [row, document.querySelector("[data-testid=terminal]")];
  return null;
}

function centre(el) {
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
}

export function cancelFlights(layer) {
  for (const chip of layer.querySelectorAll(".flight")) chip.getAnimations().forEach((a) => a.cancel());
}
