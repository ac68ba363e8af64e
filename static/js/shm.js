// A mapping in kernel space: the page the kernel keeps behind it, with its bytes (those this
// event changed highlighted) and each process's address range beside it. A private mapping
// after fork is drawn as one page while pagemap says it is one, and as two once copy on
// write has split it. Everything comes from this event's state (docs/events.md).

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { who } from "./world.js";

const ROW = 16; // bytes a line of the page shows, as a hex dump does

export function renderMappings(container, ev) {
  if (!container) return;
  if (!ev) {
    container.replaceChildren();
    return;
  }
  const rows = ev.state.mappings ?? [];
  const gone = ev.state.gone?.mappings ?? [];
  container.replaceChildren(...rows.map((m) => mappingBox(m, ev, false)), ...gone.map((m) => mappingBox(m, ev, true)));
}

function mappingBox(m, ev, gone) {
  const split = (m.split ?? []).some((s) => s === true);
  const touched = ev.args?.map === m.name && ev.state.procs.some((p) => p.pid === ev.pid);
  return h(
    "article",
    {
      class: `mapping ${m.share}${gone ? " freed" : ""}${touched ? " touched" : ""}`,
      "data-testid": gone ? "mapping-gone" : "mapping",
      dataset: { mapping: m.id, name: m.name, share: m.share, split: String(split) },
      "aria-label": `${t("shm.title")} ${m.name}`,
    },
    h(
      "header",
      {},
      h("h3", {}, `${t("shm.title")} `, h("code", {}, m.name), " ", h("code", { class: "id" }, m.id)),
      h(
        "p",
        { class: "sub" },
        [t(`shm.share.${m.share}`), t(`shm.backing.${m.backing}`), t("shm.size", { size: m.size, pages: m.pages })].join(" · "),
      ),
      m.path ? h("p", { class: "path" }, h("code", {}, m.path)) : null,
    ),
    m.share === "shared" || !split ? onePage(m, ev) : splitPages(m, ev),
  );
}

/** One page for every view: a shared mapping, or a private one copy on write has not split. */
function onePage(m, ev) {
  const bytes = m.share === "shared" ? m.bytes : m.views[0]?.bytes;
  const changed = m.share === "shared" ? m.changed : m.views.flatMap((v) => v.changed);
  const note =
    m.share === "private" && m.views.length > 1
      ? h("p", { class: "cow", "data-testid": "mapping-cow" }, t(m.split?.every((s) => s === false) ? "shm.cow.one" : "shm.cow.unknown"))
      : null;
  return h("div", { class: "pages one" }, page(bytes, changed, m.views, ev, m), note);
}

function splitPages(m, ev) {
  return h(
    "div",
    { class: "pages split", "data-testid": "mapping-split" },
    h("p", { class: "cow" }, t("shm.cow.split")),
    ...m.views.map((v) => page(v.bytes, v.changed, [v], ev, m)),
  );
}

function page(bytes, changed, views, ev, m) {
  const waits = new Map(views.filter((v) => v.waiting_at !== null).map((v) => [v.waiting_at, v.pid]));
  return h(
    "div",
    { class: "page", "data-testid": "mapping-page" },
    views.map((v) => viewLine(v, ev)),
    bytes === null || bytes === undefined
      ? h("p", { class: "unknown" }, t("shm.bytes_unknown"))
      : dump(bytes, changed ?? [], waits, ev, m),
  );
}

/** A page never touched has no frame at all; one in memory may hide its frame's number. */
function frameFact(pages, frames) {
  if (pages === null) return t("shm.pages_unknown");
  if (frames.length) return t("shm.frames", { frames: frames.join(", ") });
  return pages.some((p) => p.present) ? t("shm.frames_hidden") : t("shm.frames_none");
}

function viewLine(v, ev) {
  const frames = (v.pages ?? []).map((p) => p.frame).filter((f) => f !== null);
  const facts = [
    `${v.start}–${v.end}`,
    v.perms,
    v.resident === null ? null : t("shm.resident", { n: v.resident, shared: v.shared }),
    frameFact(v.pages, frames),
  ].filter(Boolean);
  return h(
    "p",
    { class: "view", "data-testid": "mapping-view", dataset: { pid: v.pid, start: v.start } },
    h("strong", {}, who(ev.state, v.pid)),
    " ",
    h("code", {}, facts.join(" · ")),
  );
}

/** The first bytes as a hex dump; those this event changed marked, a futex waiter's word too. */
function dump(hex, changed, waits, ev, m) {
  const bytes = hex.match(/../g) ?? [];
  const hot = new Set(changed.flatMap(([at, n]) => Array.from({ length: n }, (_, i) => at + i)));
  const lines = [];
  // Lines after the last one holding a byte worth seeing are zeros: one line says so.
  const worth = (i) => bytes[i] !== "00" || hot.has(i) || [...waits.keys()].some((w) => i >= w && i < w + 4);
  const last = bytes.findLastIndex((_, i) => worth(i));
  const upto = Math.min(bytes.length, Math.max(ROW, (Math.floor(last / ROW) + 1) * ROW));
  for (let at = 0; at < upto; at += ROW) {
    const cells = bytes.slice(at, at + ROW).map((b, i) => {
      const offset = at + i;
      const waiter = [...waits.keys()].some((w) => offset >= w && offset < w + 4);
      return h(
        "span",
        {
          class: `b${hot.has(offset) ? " changed" : ""}${waiter ? " waited" : ""}${b === "00" ? " zero" : ""}`,
          title: `+${offset}`,
          "data-testid": hot.has(offset) ? "byte-changed" : null,
        },
        b,
      );
    });
    const text = bytes
      .slice(at, at + ROW)
      .map((b) => {
        const c = parseInt(b, 16);
        return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "·";
      })
      .join("");
    lines.push(h("div", { class: "line" }, h("span", { class: "at" }, `+${at.toString(16).padStart(2, "0")}`), ...cells, h("span", { class: "text" }, text)));
  }
  if (upto < bytes.length) lines.push(h("div", { class: "line zeros" }, t("shm.zeros", { from: `+${upto.toString(16)}`, to: `+${(bytes.length - 1).toString(16)}` })));
  const waiting = [...waits.entries()].map(([at, pid]) =>
    h("p", { class: "waiting", "data-testid": "mapping-waiter" }, t("shm.waiting", { who: who(ev.state, pid), offset: at })),
  );
  const more = m.size > bytes.length ? h("p", { class: "more" }, t("shm.more", { shown: bytes.length, size: m.size })) : null;
  return h("div", { class: "dump", "data-testid": "mapping-bytes", dataset: { bytes: hex } }, ...lines, ...waiting, more);
}
