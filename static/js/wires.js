// The lines from each fd row that is a pipe end to the open file it points to, and from each
// open file to its end of the pipe in kernel space (fd -> file -> pipe). Where the open files
// are unknown (the kernel refused kcmp), a row's line goes straight to the pipe's end. Drawn
// after layout from where the rows and ports actually are, so any arrangement of
// cards (side by side at 1280 px, stacked on a phone) gets correct lines.

import { h } from "./dom.js";

export function drawWires(stage, svg) {
  const box = stage.getBoundingClientRect();
  svg.setAttribute("width", stage.scrollWidth);
  svg.setAttribute("height", stage.scrollHeight);
  svg.setAttribute("viewBox", `0 0 ${stage.scrollWidth} ${stage.scrollHeight}`);
  const cards = [...stage.querySelectorAll(".proc")].map((card) => ({ card, rect: card.getBoundingClientRect() }));
  const lines = [];
  const portOf = (pipe, end) => stage.querySelector(`.port[data-pipe="${CSS.escape(pipe)}"][data-end="${end}"]`);
  for (const row of stage.querySelectorAll("tr[data-pipe]")) {
    const end = row.dataset.end === "write" ? "write" : "read";
    const file = row.dataset.file ? stage.querySelector(`.file[data-file="${CSS.escape(row.dataset.file)}"]`) : null;
    const target = file ?? portOf(row.dataset.pipe, end);
    if (!target) continue;
    lines.push(wire(row, target, box, end, cards, file?.dataset.file));
  }
  for (const file of stage.querySelectorAll(".file[data-pipe]")) {
    const end = file.dataset.end === "read" ? "read" : "write";
    const port = portOf(file.dataset.pipe, end);
    if (port) lines.push(fileWire(file, port, box, end));
  }
  svg.replaceChildren(...lines);
}

/** The short line from an open file down to the pipe's end it is open on. */
function fileWire(file, port, box, end) {
  const f = file.getBoundingClientRect();
  const p = port.getBoundingClientRect();
  const fx = f.left + f.width / 2 - box.left;
  const fy = f.bottom - box.top;
  const px = p.left + p.width / 2 - box.left;
  const py = p.top - box.top;
  const bend = Math.max(6, (py - fy) / 2);
  const kind = end === "write" ? "w" : "r";
  const gone = file.classList.contains("gone");
  return h(
    "g",
    { class: `wire-group file-wire${gone ? " closed" : ""}`, "data-testid": "file-wire", dataset: { file: file.dataset.file, pipe: file.dataset.pipe, end } },
    h("path", { class: `wire ${kind}`, d: `M${fx},${fy} C${fx},${fy + bend} ${px},${py - bend} ${px},${py}` }),
  );
}

function wire(row, port, box, end, cards, file) {
  const card = row.closest(".proc") ?? row;
  const r = row.getBoundingClientRect();
  const c = card.getBoundingClientRect();
  const p = port.getBoundingClientRect();
  const px = p.left + p.width / 2 - box.left;
  const py = p.top - box.top;
  // Leave the card on the side facing the port, at the height of the row.
  const toRight = px > c.left + c.width / 2 - box.left;
  const sx = (toRight ? c.right : c.left) - box.left;
  const sy = r.top + r.height / 2 - box.top;
  const span = { left: Math.min(sx, px) + box.left, right: Math.max(sx, px) + box.left, top: sy + box.top, bottom: py + box.top };
  const crowded = cards.some(({ card: other, rect: o }) => other !== card && overlaps(o, span));
  const fd = Number(row.dataset.fd);
  const d = crowded ? gutterPath(sx, sy, px, py, toRight, fd, box) : curvePath(sx, sy, px, py, toRight);
  const closed = row.classList.contains("closed");
  const active = row.classList.contains("active");
  const kind = end === "write" ? "w" : "r";
  return h(
    "g",
    {
      class: `wire-group${closed ? " closed" : ""}${active ? " active" : ""}`,
      "data-testid": "wire",
      dataset: { pid: row.dataset.pid, fd: row.dataset.fd, pipe: row.dataset.pipe, end, ...(file ? { file } : {}) },
    },
    h("path", { class: `wire ${kind}`, d }),
    h("circle", { class: `dot ${kind}`, cx: sx, cy: sy, r: 4 }),
    h("circle", { class: `dot ${kind}`, cx: px, cy: py, r: 3 }),
  );
}

// When another card lies between the row and the port (a phone's single column, a second
// row of cards), a direct curve would cross it: the line runs down the margin beside its
// own card instead, where the fixed columns leave room, and turns to the port below them.
function overlaps(a, b) {
  return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
}

function curvePath(sx, sy, px, py, toRight) {
  const out = toRight ? 28 : -28;
  return `M${sx},${sy} C${sx + out},${sy} ${px},${Math.min(py - 40, sy + 60)} ${px},${py}`;
}

function gutterPath(sx, sy, px, py, toRight, fd, box) {
  const spread = (fd % 4) * 3; // fds sharing a margin stay apart
  const gx = Math.max(3, Math.min(box.width - 3, toRight ? sx + 6 + spread : sx - 6 - spread));
  const turn = py - 22;
  return `M${sx},${sy} H${gx} V${turn} C${gx},${py - 6} ${px},${turn} ${px},${py}`;
}
