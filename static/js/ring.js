// A pipe's ring of page slots (环形队列), drawn so a student can read it: one cell per slot in
// index order, each with the first bytes of its page, how many it holds, and the colour of
// the process that wrote them; the kernel's head and tail as labelled markers ("next write
// goes here", "next read comes from here") under the slot they point at; a legend naming the
// colours. Everything comes from the event's own `state.pipes[].ring` (docs/events.md).

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { who } from "./world.js";

const PAGE = 4096;
const COLS = 4;
const PALETTE = 8; // colours .w0 ... .w7 in viz.css; a process keeps its colour for the run
const FOLD = 16;
const SHOWN = 20; // characters of a slot's bytes: two lines at 1280 px, three at 390 px // a bigger ring shows a long run of free slots as one cell

export function ringView(pipe, state) {
  const { nslots, head, tail, slots } = pipe.ring;
  const headSlot = head % nslots;
  const tailSlot = tail % nslots;
  const cols = Math.min(COLS, nslots);
  const cells = folded(slots, nslots > FOLD ? new Set([headSlot, tailSlot]) : null);
  const rows = [];
  for (let i = 0; i < cells.length; i += cols) {
    const row = cells.slice(i, i + cols);
    rows.push(...row.map((cell, col) => slotCell(cell, col, cols, state)));
    const at = (slot) => row.findIndex((c) => c.first <= slot && slot <= c.last);
    // Full, head's slot is tail's, still held: a write waits. Empty, a read waits too.
    const tailText = t(head === tail ? "pipe.tail_empty" : "pipe.tail");
    const headText = t(head - tail >= nslots ? "pipe.head_full" : "pipe.head");
    if (at(tailSlot) >= 0) rows.push(marker("tail", tailSlot, at(tailSlot), cols, tailText, t("pipe.tail.tip", { n: tail, slot: tailSlot })));
    if (at(headSlot) >= 0) rows.push(marker("head", headSlot, at(headSlot), cols, headText, headTip(pipe.ring)));
  }
  return h(
    "div",
    {
      class: "ring",
      role: "group",
      "data-testid": "ring",
      dataset: { head, tail, nslots, used: head - tail },
      "aria-label": `${t("pipe.ring", { n: nslots })}${t("say.colon")}${t("pipe.bytes", { bytes: pipe.bytes ?? "?", capacity: pipe.capacity ?? "?" })}`,
    },
    styled(h("div", { class: "ring-grid" }, ...rows), { "--cols": cols }),
    nslots > 1 ? h("p", { class: "ring-wrap" }, t("pipe.wrap", { last: nslots - 1 })) : null,
    legend(slots, state),
  );
}

/** The slots as cells: each its own, except (in a big ring) long runs of free slots. */
function folded(slots, keep) {
  const cells = [];
  for (let i = 0; i < slots.length; i++) {
    let last = i;
    if (keep && !slots[i] && !keep.has(i)) {
      while (last + 1 < slots.length && !slots[last + 1] && !keep.has(last + 1)) last++;
      if (last - i < 2) last = i;
    }
    cells.push({ first: i, last, slot: slots[i] });
    i = last;
  }
  return cells;
}

function slotCell(cell, col, cols, state) {
  const { first, last, slot } = cell;
  const right = col >= cols / 2; // its tooltip opens leftwards, inside the ring
  if (last > first) {
    const tip = t("pipe.slots_free.tip", { first, last });
    return h(
      "div",
      { class: `slot free span${right ? " tip-left" : ""} tip`, "data-testid": "ring-slot", dataset: { slot: first, last, len: 0, tip }, tabindex: 0, "aria-label": tip },
      h("span", { class: "slot-no" }, `${first}–${last}`),
      h("span", { class: "slot-free" }, t("pipe.slot_free")),
    );
  }
  if (!slot || slot.len === 0) {
    const tip = t("pipe.slot_free.tip", { i: first });
    return h(
      "div",
      { class: `slot free${right ? " tip-left" : ""} tip`, "data-testid": "ring-slot", dataset: { slot: first, len: 0, tip }, tabindex: 0, "aria-label": tip },
      h("span", { class: "slot-top" }, h("span", { class: "slot-no" }, String(first))),
      h("span", { class: "slot-free" }, t("pipe.slot_free")),
    );
  }
  const writers = slot.writers ?? [];
  const first_writer = writers[0]?.pid ?? null;
  const names = writers.map((w) => (w.pid === null ? t("pipe.writer_unseen") : who(state, w.pid)));
  const tip = [
    t("pipe.slot.tip", { i: first, len: slot.len, offset: slot.offset }),
    names.length ? t("pipe.slot.writers", { who: [...new Set(names)].join(t("pipe.list_sep")) }) : null,
  ]
    .filter(Boolean)
    .join(" ");
  const shown = previewOf(slot);
  return h(
    "div",
    {
      class: `slot used ${colour(state, first_writer)}${right ? " tip-left" : ""} tip`,
      "data-testid": "ring-slot",
      dataset: { slot: first, len: slot.len, offset: slot.offset, writer: first_writer ?? "", writers: writers.map((w) => w.pid ?? "").join(" "), tip },
      tabindex: 0,
      "aria-label": tip,
    },
    h("span", { class: "slot-top" }, h("span", { class: "slot-no" }, String(first)), h("span", { class: "slot-len" }, t("pipe.slot.len", { len: slot.len }))),
    h("code", { class: `slot-bytes${shown === null ? " unknown" : ""}`, "data-testid": "slot-bytes" }, shown ?? "?"),
    h(
      "span",
      { class: "slot-fill", "aria-hidden": "true" },
      ...writers.map((w) => styled(h("span", { class: `band ${colour(state, w.pid)}` }), { "flex-grow": w.len })),
      styled(h("span", { class: "band room" }), { "flex-grow": Math.max(0, PAGE - slot.len) }),
    ),
  );
}

/** The slot's first bytes as its text shows them, with … when the page holds more. An
 * escape (\n, \x00) is one byte and is never cut; at most SHOWN characters, so the text
 * needs no clipping in the smallest cell. */
function previewOf(slot) {
  if (slot.preview === null || slot.preview === undefined) return null;
  const tokens = slot.preview.match(/\\x[0-9a-f]{2}|\\.|./gs) ?? [];
  let text = "";
  let count = 0;
  for (const token of tokens) {
    if (text.length + token.length > SHOWN) break;
    text += token;
    count += 1;
  }
  return count < slot.len ? `${text}…` : text;
}

/** A process's colour: by its place among the run's processes, the same at every event. */
function colour(state, pid) {
  if (pid === null || pid === undefined) return "w-unseen";
  const index = state.procs.findIndex((p) => p.pid === pid);
  return index < 0 ? "w-unseen" : `w${index % PALETTE}`;
}

function headTip(ring) {
  const slot = ring.head % ring.nslots;
  const tip = t("pipe.head.tip", { n: ring.head, slot });
  const lastSlot = (ring.head - 1 + ring.nslots) % ring.nslots;
  const last = ring.head > ring.tail ? ring.slots[lastSlot] : null;
  // A write shorter than a page may first top up the last page (the kernel's merge).
  return last && last.offset + last.len < PAGE ? `${tip} ${t("pipe.head.merge", { slot: lastSlot })}` : tip;
}

function marker(kind, slot, col, cols, text, tip) {
  const right = col >= cols / 2;
  // The arrow sits under the middle of its slot's column; the text runs away from the edge.
  const side = right ? { "margin-right": `calc(${(100 * (cols - 1 - col + 0.5)) / cols}% - 0.6em)` } : { "margin-left": `calc(${(100 * (col + 0.5)) / cols}% - 0.6em)` };
  return h(
    "p",
    { class: `marker ${kind}${right ? " right" : ""} tip`, "data-testid": `ring-${kind}`, dataset: { slot, tip }, tabindex: 0 },
    styled(h("span", { class: "marker-label" }, right ? null : h("span", { class: "arrow", "aria-hidden": "true" }, "▲"), text, right ? h("span", { class: "arrow", "aria-hidden": "true" }, "▲") : null), side),
  );
}

/** What the colours mean: each process whose bytes are in the ring, and the free slot. */
function legend(slots, state) {
  const pids = [];
  for (const slot of slots) for (const w of slot?.writers ?? []) if (!pids.includes(w.pid)) pids.push(w.pid);
  return h(
    "ul",
    { class: "ring-legend", "data-testid": "ring-legend", "aria-label": t("pipe.legend") },
    h("li", { class: "legend-title" }, t("pipe.legend")),
    ...pids.map((pid) =>
      h(
        "li",
        { "data-testid": "ring-legend-writer", dataset: { pid: pid ?? "" } },
        h("span", { class: `swatch ${colour(state, pid)}`, "aria-hidden": "true" }),
        pid === null ? t("pipe.writer_unseen") : who(state, pid),
      ),
    ),
    h("li", {}, h("span", { class: "swatch free", "aria-hidden": "true" }), t("pipe.slot_free")),
  );
}

/** Set style properties from script: the page's CSP allows no style attributes. */
function styled(el, props) {
  for (const [name, value] of Object.entries(props)) el.style.setProperty(name, String(value));
  return el;
}
