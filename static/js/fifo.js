// FIFOs on the page: a named pipe is drawn as a pipe (pipe-ring.js) with its path on top,
// the note's seven file types as each fd row's first letter (ls -l's), and the sentences
// for mkfifo, open and unlink.

import { h } from "./dom.js";
import { t } from "./i18n.js";

// ls -l's first letter for each type the fd rows carry (docs/events.md, fds[] `type`).
const LETTERS = { regular: "-", directory: "d", symlink: "l", char: "c", block: "b", fifo: "p", socket: "s" };
const DELETED = " (deleted)";

/** The heading of a pipe box: a FIFO's says FIFO and shows its path, unlinked or not. */
export function pipeHeading(pipe) {
  if (pipe.kind !== "fifo") return h("h3", {}, `${t("pipe.title")} `, h("code", {}, pipe.id));
  const deleted = pipe.path?.endsWith(DELETED);
  const path = deleted ? pipe.path.slice(0, -DELETED.length) : pipe.path;
  return h(
    "h3",
    { class: "fifo-heading" },
    `${t("fifo.title")} `,
    h("code", { class: `fifo-path${deleted ? " deleted" : ""}`, "data-testid": "fifo-path", title: t("fifo.path.tip") }, path ?? "?"),
    deleted ? h("span", { class: "fifo-deleted", "data-testid": "fifo-deleted", title: t("fifo.deleted.tip") }, t("fifo.deleted")) : null,
    " ",
    h("code", { class: "fifo-id" }, pipe.id),
  );
}

/** An fd row's file type: ls -l's letter, the type's name in the tooltip. */
export function fileType(fd) {
  const name = fd.type ? t(`ftype.${fd.type}`) : t("ftype.none");
  return h(
    "abbr",
    { class: `ftype ftype-${fd.type ?? "none"}`, "data-testid": "fd-type", dataset: { type: fd.type ?? "" }, title: t("ftype.tip", { type: name }) },
    fd.type ? LETTERS[fd.type] : "∅",
  );
}

/** What a blocked open is waiting for, in the status line; null for other calls. */
export function blockedStatus(b) {
  if (!b.path || (b.fd !== null && b.fd !== undefined)) return null;
  return t("status.blocked_path", { call: b.call, path: b.path });
}

/** The caption for a FIFO's calls and a blocked open; null when it is not one of them. */
export function sayFifo(ev, name) {
  const path = ev.args?.path;
  if (ev.type === "call.block" && ev.blocked_on?.call === "open") {
    return t("say.call.block.open", { who: name, path: ev.blocked_on.path ?? path ?? "?" });
  }
  if (ev.type !== "call.return" || !["mkfifo", "open", "unlink"].includes(ev.call)) return null;
  if (ev.ret === -1) return ev.errno === "ENXIO" ? t("say.ret.enxio", { who: name, path }) : null;
  if (ev.call === "mkfifo") return t("say.ret.mkfifo", { who: name, path });
  if (ev.call === "unlink") return t("say.ret.unlink", { who: name, path });
  const row = ev.state.procs.find((p) => p.pid === ev.pid)?.fds.find((r) => r.fd === ev.ret);
  if (row?.kind === "fifo") return t("say.ret.open.fifo", { who: name, path, fd: ev.ret, end: t(`fd.end.${row.end}`) });
  return t("say.ret.open", { who: name, path, fd: ev.ret });
}
