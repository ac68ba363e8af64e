// The kernel's middle layer: the open files (struct file) between the fds and the pipe.
// fork and dup add fds pointing to the same open file; the pipe counts files, not fds. Each
// pipe gets a row of file boxes above it, write-end files over its write end, read-end files
// over its read end; the fd lines end at a box, and a short line runs from the box to the
// end. Drawn from the event's own state: `state.files`, and `state.gone.files` for a file
// whose last reference this event closed (faded, one frame).

import { h } from "./dom.js";
import { t } from "./i18n.js";

/** The open file an fd row points to, or null (files unknown, or the fd closed meanwhile). */
export function fileOf(state, row) {
  return (state.files ?? []).find((f) => f.id === row?.file) ?? state.gone.files.find((f) => f.id === row?.file) ?? null;
}

/** The files open on one end of a pipe ("both" counts on each). */
export function endFiles(state, pipe, end) {
  return (state.files ?? []).filter((f) => f.object === pipe && (f.end === end || f.end === "both"));
}

/** The row of file boxes above one pipe. */
export function fileLayer(pipe, ev, freed) {
  const s = ev.state;
  if (s.files === null) {
    return h("div", { class: "files unknown", "data-testid": "files-unknown" }, h("p", { class: "tip", tabindex: 0, dataset: { tip: t("file.unknown.tip") } }, t("file.unknown")));
  }
  const gone = s.gone.files.filter((f) => f.object === pipe.id);
  const live = freed ? [] : s.files.filter((f) => f.object === pipe.id);
  const side = (end) =>
    h(
      "div",
      { class: `files-end files-${end}` },
      ...live.filter((f) => sideOf(f) === end).map((f) => fileBox(f, ev, false)),
      ...gone.filter((f) => sideOf(f) === end).map((f) => fileBox(f, ev, true)),
    );
  return h("div", { class: "files", "data-testid": "files", dataset: { pipe: pipe.id } }, h("span", { class: "files-label" }, t("file.layer")), side("write"), side("read"));
}

function sideOf(file) {
  return file.end === "read" ? "read" : "write";
}

function fileBox(file, ev, gone) {
  const refs = file.refs.length;
  const current = ev.pid !== null && file.refs.some((r) => r.pid === ev.pid && r.fd === (ev.args?.fd ?? ev.blocked_on?.fd));
  const tip = t("file.tip", { id: file.id, n: refs, flags: file.flags.join("|") });
  return h(
    "div",
    {
      class: `file end-${file.end ?? "none"}${gone ? " gone" : ""}${current ? " active" : ""} tip`,
      "data-testid": gone ? "file-gone" : "file",
      dataset: { file: file.id, pipe: file.object, end: file.end ?? "", refs, tip, anchor: "file" },
      tabindex: 0,
      "aria-label": `${t("file.title", { id: file.id })}${t("say.colon")}${tip}`,
    },
    h("strong", {}, t("file.title", { id: file.id })),
    h("code", { class: "file-flags" }, file.flags.filter((f) => f !== "O_LARGEFILE").join(" ")),
    h("span", { class: "file-refs", "data-testid": "file-refs" }, gone ? t("file.released") : t("file.refs", { n: refs })),
  );
}
