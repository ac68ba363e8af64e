// The lines from each fd row to what it points at in the kernel, and from each open file on
// to its end of the pipe (fd -> file -> pipe). Where the open files are unknown (the kernel
// refused kcmp), a row's line goes straight to the pipe's end. Drawn after layout from where
// the rows and targets actually are (route.js keeps every line in its own lane), so any
// arrangement of cards (side by side at 1280 px, stacked on a phone) gets clear lines.
//
// What a line reaches is named by data attributes, for any kind of kernel object: an element
// marked `data-anchor="k1 k2"` receives the lines of the fd rows whose data-k1 and data-k2
// equal its own (a pipe's end: `data-anchor="pipe end"`; an open file: `data-anchor="file"`).
// A row goes to its open file when the page shows one, else to its object. With no anchor for
// it, the first kernel element carrying the row's own object attribute is taken.

import { h } from "./dom.js";
import { route } from "./route.js";

// Data attributes of rows and file boxes that do not name a kernel object.
const NOT_OBJECTS = new Set(["pid", "fd", "kind", "end", "file", "testid", "refs", "tip", "anchor"]);
const ROOM = ["left", "right", "user", "kernel"];
const lastRoom = new WeakMap(); // stage -> {key: the lines drawn, extra: the room they took}

export function drawWires(stage, svg) {
  // The same lines as last time (a step that moved bytes, a resize) start from the room they
  // had; other lines start from none. Then as many passes as the routes need to fit.
  const key = `${innerWidth} ${[...stage.querySelectorAll(".proc tr[data-fd], .file")].map((el) => `${el.dataset.testid}:${el.dataset.pid}:${el.dataset.fd}:${el.dataset.file}`).join(" ")}`;
  const last = lastRoom.get(stage);
  const extra = last?.key === key ? last.extra : Object.fromEntries(ROOM.map((k) => [k, 0]));
  for (const k of ROOM) setRoom(stage, k, extra[k]);
  let drawn = layout(stage);
  for (let pass = 0; pass < 4 && ROOM.some((k) => drawn.room[k] > 0); pass++) {
    for (const k of ROOM) setRoom(stage, k, (extra[k] += drawn.room[k]));
    drawn = layout(stage);
  }
  lastRoom.set(stage, { key, extra });
  svg.setAttribute("width", stage.scrollWidth);
  svg.setAttribute("height", stage.scrollHeight);
  svg.setAttribute("viewBox", `0 0 ${stage.scrollWidth} ${stage.scrollHeight}`);
  svg.replaceChildren(...drawn.groups);
}

function setRoom(stage, key, px) {
  if (px > 0) stage.style.setProperty(`--wire-room-${key}`, `${Math.ceil(px)}px`);
  else stage.style.removeProperty(`--wire-room-${key}`);
}

function layout(stage) {
  const box = stage.getBoundingClientRect();
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left - box.left, right: r.right - box.left, top: r.top - box.top, bottom: r.bottom - box.top };
  };
  const rects = new Map();
  const rectOf = (el) => rects.get(el) ?? rects.set(el, rect(el)).get(el);
  const anchors = [...stage.querySelectorAll("[data-anchor]")];
  const rows = [...stage.querySelectorAll(".proc tr[data-fd]")]
    .map((row) => ({ row, target: targetOf(stage, row, anchors) }))
    .filter((r) => r.target);
  const files = [...stage.querySelectorAll(".file[data-anchor]")]
    .map((file) => ({ file, target: targetOf(stage, file, anchors.filter((a) => !a.matches(".file"))) }))
    .filter((f) => f.target);
  const cards = [...stage.querySelectorAll(".proc")];
  const labels = [...stage.querySelectorAll(".space-label, .boundary span, .files-label, .files.unknown p")];
  const boxes = [...new Set([...cards, ...anchors, ...stage.querySelectorAll(".pipe, .port, .file")])];
  const user = rectOf(stage.querySelector(".space.user"));
  const kernel = rectOf(stage.querySelector(".space.kernel"));
  const boundary = stage.querySelector(".boundary");
  const kernelLabel = stage.querySelector(".space.kernel > .space-label");
  const kernelBoxes = [...labels, ...boxes].filter((el) => kernel.top <= rectOf(el).top && el !== kernelLabel);
  const phone = user.right - user.left < 600;
  const geo = {
    gap: phone ? 5 : 6,
    user,
    cards: cards.map(rectOf),
    userFloor: Math.max(user.top, ...cards.map((c) => rectOf(c).bottom)),
    userBottom: Math.min(rectOf(boundary).top, rectOf(boundary.querySelector("span") ?? boundary).top),
    kernelTop: kernelLabel ? rectOf(kernelLabel).bottom : kernel.top,
    kernelFloor: Math.min(kernel.bottom, ...kernelBoxes.map((el) => rectOf(el).top)),
    obstacles: [...labels, ...boxes].map((el) => ({ el, rect: rectOf(el) })),
  };
  const lines = rows.map(({ row, target }) => ({ card: rectOf(row.closest(".proc")), row: rectOf(row), target: rectOf(target) }));
  const { paths, room } = route(lines, geo);
  const groups = rows.map(({ row, target }, i) => rowWire(row, target, paths[i]));
  groups.push(...fileWires(files, rectOf, geo.gap));
  return { groups, room };
}

/** What a row (or an open file) points at: the first anchor whose named attributes it shares. */
function targetOf(stage, el, anchors) {
  const own = el.dataset;
  const matches = (a) => a !== el && a.dataset.anchor.split(" ").every((k) => own[k] !== undefined && own[k] === a.dataset[k]);
  const hit = anchors.find((a) => a.matches(".file") && matches(a)) ?? anchors.find(matches);
  if (hit) return hit;
  const kernel = stage.querySelector(".space.kernel");
  for (const [key, value] of Object.entries(own)) {
    if (NOT_OBJECTS.has(key) || !value) continue;
    const attr = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const found = [...kernel.querySelectorAll(`[data-${attr}="${CSS.escape(value)}"]`)].find((x) => !x.closest(".files"));
    if (found) return found;
  }
  return null;
}

function rowWire(row, target, path) {
  const end = row.dataset.end ?? "";
  const kind = end === "read" ? "r" : "w";
  const [sx, sy] = path[0];
  const [px, py] = path.at(-1);
  const closed = row.classList.contains("closed");
  const active = row.classList.contains("active");
  const dataset = { pid: row.dataset.pid, fd: row.dataset.fd, end };
  for (const key of ["pipe", "file"]) if (row.dataset[key]) dataset[key] = row.dataset[key];
  if (!target.matches(".file") && target.dataset.anchor) dataset.target = target.dataset.anchor;
  return h(
    "g",
    { class: `wire-group${closed ? " closed" : ""}${active ? " active" : ""}`, "data-testid": "wire", dataset },
    h("path", { class: `wire ${kind}`, d: pathData(path) }),
    h("circle", { class: `dot ${kind}`, cx: sx, cy: sy, r: 4 }),
    h("circle", { class: `dot ${kind}`, cx: px, cy: py, r: 3 }),
  );
}

/** The short lines from each open file down to its end: side by side where several meet. */
function fileWires(files, rectOf, gap) {
  const byTarget = new Map();
  for (const f of files) byTarget.set(f.target, [...(byTarget.get(f.target) ?? []), f]);
  const out = [];
  for (const [target, group] of byTarget) {
    const t = rectOf(target);
    const from = group.map((f) => ({ ...f, r: rectOf(f.file) })).sort((a, b) => a.r.left - b.r.left);
    const step = Math.min(gap * 2, (t.right - t.left) / (from.length + 1));
    from.forEach((f, i) => {
      const fx = (f.r.left + f.r.right) / 2;
      const alone = from.length === 1 && fx > t.left + 8 && fx < t.right - 8;
      const px = alone ? fx : (t.left + t.right) / 2 + step * (i - (from.length - 1) / 2);
      const mid = f.r.bottom + Math.max(3, (t.top - f.r.bottom) / 2) + (i - (from.length - 1) / 2) * Math.min(gap, 2);
      const path = alone ? [[fx, f.r.bottom], [fx, t.top]] : [[fx, f.r.bottom], [fx, mid], [px, mid], [px, t.top]];
      out.push(fileWire(f.file, target, path));
    });
  }
  return out;
}

function fileWire(file, target, path) {
  const end = file.dataset.end === "read" ? "read" : "write";
  const gone = file.classList.contains("gone");
  return h(
    "g",
    { class: `wire-group file-wire${gone ? " closed" : ""}`, "data-testid": "file-wire", dataset: { file: file.dataset.file, pipe: file.dataset.pipe ?? "", end } },
    h("path", { class: `wire ${end === "write" ? "w" : "r"}`, d: pathData(path) }),
  );
}

function pathData(path) {
  return path.map(([x, y], i) => `${i ? "L" : "M"}${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`).join(" ");
}
