// A pipe in kernel space: its ring of page slots (环形队列) drawn as a circle, head and tail
// marked, bytes / capacity in numbers, and its two ends as the ports the fd lines reach.

import { h } from "./dom.js";
import { dataText } from "./format.js";
import { t } from "./i18n.js";
import { pipeHeading } from "./fifo.js";
import { fileLayer } from "./files.js";
import { freedPipes } from "./gone.js";
import { icon } from "./icons.js";
import { callFd, pipeFlow } from "./world.js";

const PAGE = 4096;
const C = 100; // centre of the ring in SVG units
const R_OUT = 86;
const R_IN = 58;

export function renderPipes(container, ev) {
  const pipes = ev.state.pipes.map((pipe) => pipeColumn(pipe, ev, false));
  // A pipe that disappears with this event (its last end closed) stays one frame, faded.
  const freed = freedPipes(ev.state).map((p) => pipeColumn(p, ev, true));
  container.replaceChildren(...pipes, ...freed);
  const mapped = (ev.state.mappings ?? []).length > 0; // the kernel object here is a mapping
  if (!pipes.length && !freed.length && !mapped) container.append(h("p", { class: "none" }, t("run.no_pipes")));
}

/** The pipe with its open files above it: fd -> file -> pipe, top to bottom. */
function pipeColumn(pipe, ev, freed) {
  return h("div", { class: "pipe-col" }, fileLayer(pipe, ev, freed), pipeBox(pipe, ev, freed));
}

function pipeBox(pipe, ev, freed) {
  const flow = freed ? null : pipeFlow(ev);
  const moved = flow && flow.pipe === pipe.id ? flow : null;
  const full = pipe.ring.head - pipe.ring.tail >= pipe.ring.nslots;
  return h(
    "article",
    {
      class: `pipe${freed ? " freed" : ""}${moved ? ` moved-${moved.dir}` : ""}`,
      "data-testid": freed ? "pipe-freed" : "pipe",
      dataset: { pipe: pipe.id, kind: pipe.kind ?? "pipe" },
      "aria-label": pipe.kind === "fifo" ? `${t("fifo.title")} ${pipe.path}` : `${t("pipe.title")} ${pipe.id}`,
    },
    h("div", { class: "ports" }, port(pipe, "write", outcome(ev, pipe)), port(pipe, "read", outcome(ev, pipe))),
    h(
      "header",
      {},
      pipeHeading(pipe),
      h("p", { class: "sub" }, `${t("pipe.buffer")} · ${t("pipe.ring", { n: pipe.ring.nslots })}`),
    ),
    h(
      "p",
      { class: "ends" },
      count("write", "pipe-writers", pipe.writers, pipe.writer_fds),
      count("read", "pipe-readers", pipe.readers, pipe.reader_fds),
    ),
    ring(pipe),
    h(
      "p",
      { class: "bytes", "data-testid": "pipe-bytes", dataset: { bytes: pipe.bytes ?? "", capacity: pipe.capacity ?? "" } },
      pipe.bytes === null ? t("pipe.bytes_unknown", { capacity: pipe.capacity }) : t("pipe.bytes", { bytes: pipe.bytes, capacity: pipe.capacity }),
    ),
    moved ? h("p", { class: `delta ${moved.dir}`, "data-testid": "pipe-delta" }, `${moved.dir === "in" ? "+" : "−"}${ev.ret} `, h("code", {}, dataText(ev))) : null,
    h(
      "p",
      { class: "pipe-state" },
      freed ? t("pipe.freed") : full ? t("pipe.full") : pipe.bytes === 0 ? t("pipe.empty") : null,
      !freed && !pipe.ring.exact ? h("span", { class: "inexact" }, ` ≈ ${t("pipe.inexact")}`) : null,
    ),
  );
}

/** Where the fd lines arrive: the write end (data flows in) and the read end (out). */
function port(pipe, end, happened) {
  const open = end === "write" ? (pipe.writers ?? pipe.writer_fds) : (pipe.readers ?? pipe.reader_fds);
  const badge = happened?.end === end ? happened : null;
  return h(
    "div",
    { class: `port port-${end}${open === 0 ? " none-open" : ""}`, dataset: { pipe: pipe.id, end, anchor: "pipe end" } },
    icon(end),
    h("strong", {}, t(`fd.end.${end}`)),
    badge ? h("span", { class: `port-badge ${badge.kind}`, "data-testid": "port-badge", dataset: { kind: badge.kind } }, icon(badge.icon), badge.text) : null,
  );
}

/** An EOF, EAGAIN or EPIPE that the current event met at an end of this pipe. */
function outcome(ev, pipe) {
  if (ev.type !== "call.return" || (ev.call !== "read" && ev.call !== "write")) return null;
  const row = callFd(ev);
  if (row?.pipe !== pipe.id) return null;
  const end = ev.call === "write" ? "write" : "read";
  if (ev.call === "read" && ev.ret === 0) return { end, kind: "eof", icon: "eof", text: "EOF" };
  if (ev.errno === "EPIPE" || ev.errno === "EAGAIN") return { end, kind: ev.errno.toLowerCase(), icon: "warn", text: ev.errno };
  return null;
}

/** The kernel's count of open files on an end, and the fds that point to them. */
function count(end, testid, files, fds) {
  const key = end === "write" ? "pipe.writers" : "pipe.readers";
  const label = t(key, { n: files ?? "?", fds: fds ?? 0 });
  const zero = files === 0 || (files === null && fds === 0);
  return h(
    "span",
    { class: `count count-${end}${zero ? " zero" : ""} tip`, "data-testid": testid, dataset: { count: files ?? "", fds: fds ?? 0, tip: t(`${key}.tip`) }, tabindex: 0 },
    label,
  );
}

function ring(pipe) {
  const { nslots, head, tail, slots } = pipe.ring;
  const step = 360 / nslots;
  const parts = slots.map((slot, i) => slotPath(i, slot, step));
  return h(
    "svg",
    {
      class: "ring",
      viewBox: "-30 -22 260 244", // room for the head and tail labels beside the ring
      role: "img",
      "data-testid": "ring",
      dataset: { head, tail, nslots, used: head - tail },
      "aria-label": `${t("pipe.ring", { n: nslots })}: ${t("pipe.bytes", { bytes: pipe.bytes ?? "?", capacity: pipe.capacity })}`,
    },
    ...parts,
    marker("head", head % nslots, step, R_OUT + 2, R_OUT + 11, R_OUT + 19, t("pipe.head.tip", { n: head, slot: head % nslots })),
    marker("tail", tail % nslots, step, R_IN - 2, R_IN - 10, R_IN - 17, t("pipe.tail.tip", { n: tail, slot: tail % nslots })),
    h("text", { x: C, y: C + 2, class: "ring-bytes", "text-anchor": "middle" }, String(pipe.bytes ?? "?")),
    h("text", { x: C, y: C + 15, class: "ring-cap", "text-anchor": "middle" }, `/ ${pipe.capacity}`),
  );
}

function slotPath(i, slot, step) {
  const a0 = -90 + i * step + 1.2;
  const a1 = -90 + (i + 1) * step - 1.2;
  const used = slot && slot.len > 0;
  // A page with a few bytes would be an invisible sliver: draw at least a visible band.
  const frac = used ? Math.max(slot.len / PAGE, 0.14) : 0;
  const tip = used ? t("pipe.slot.tip", { i, len: slot.len, offset: slot.offset }) : t("pipe.slot_free.tip", { i });
  return h(
    "g",
    { class: `slot${used ? " used" : ""}`, "data-testid": "ring-slot", dataset: { slot: i, len: used ? slot.len : 0 } },
    h("title", {}, tip),
    h("path", { class: "slot-bg", d: sector(R_IN, R_OUT, a0, a1) }),
    used ? h("path", { class: "slot-fill", d: sector(R_IN, R_IN + (R_OUT - R_IN) * frac, a0, a1) }) : null,
  );
}

function marker(kind, index, step, r0, r1, rLabel, tip) {
  const angle = -90 + (index + 0.5) * step;
  const [x0, y0] = polar(r0, angle);
  const [xa, ya] = polar(r1, angle - 5);
  const [xb, yb] = polar(r1, angle + 5);
  const [lx, ly] = polar(rLabel, angle);
  return h(
    "g",
    { class: `marker ${kind}`, "data-testid": `ring-${kind}`, dataset: { slot: index } },
    h("title", {}, tip),
    h("polygon", { points: `${x0},${y0} ${xa},${ya} ${xb},${yb}` }),
    h("text", { x: lx, y: ly + 3, "text-anchor": "middle" }, t(`pipe.${kind}`)),
  );
}

function polar(r, degrees) {
  const rad = (degrees * Math.PI) / 180;
  return [round(C + r * Math.cos(rad)), round(C + r * Math.sin(rad))];
}

function round(n) {
  return Math.round(n * 100) / 100;
}

function sector(r0, r1, a0, a1) {
  const [x0, y0] = polar(r1, a0);
  const [x1, y1] = polar(r1, a1);
  const [x2, y2] = polar(r0, a1);
  const [x3, y3] = polar(r0, a0);
  return `M${x0},${y0} A${r1},${r1} 0 0 1 ${x1},${y1} L${x2},${y2} A${r0},${r0} 0 0 0 ${x3},${y3} Z`;
}
