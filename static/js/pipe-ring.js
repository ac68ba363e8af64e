// A pipe in kernel space: its ring of page slots (环形队列, drawn by ring.js), bytes /
// capacity in numbers, and its two ends as the ports the fd lines reach.

import { h } from "./dom.js";
import { dataText } from "./format.js";
import { t } from "./i18n.js";
import { pipeHeading } from "./fifo.js";
import { fileLayer } from "./files.js";
import { freedPipes } from "./gone.js";
import { icon } from "./icons.js";
import { ringView } from "./ring.js";
import { callFd, pipeFlow } from "./world.js";

// What the empty pipe area says, by the note's chapter the run belongs to (a run's constant,
// like its source): a lesson on mappings or sockets has no pipe to wait for.
const NO_PIPE_NOTE = { pipe: "run.no_pipes", shell: "run.no_pipes", fifo: "fifo.none_open" };

/** chapter: the scenario's chapter (catalog.CHAPTERS); a composed program's is "pipe". */
export function renderPipes(container, ev, chapter = "pipe") {
  const pipes = ev.state.pipes.map((pipe) => pipeColumn(pipe, ev, false));
  // A pipe that disappears with this event (its last end closed) stays one frame, faded.
  const freed = freedPipes(ev.state).map((p) => pipeColumn(p, ev, true));
  container.replaceChildren(...pipes, ...freed);
  // The note only while the kernel holds nothing of the run's: no mapping, no socket.
  const other = (ev.state.mappings ?? []).length > 0 || (ev.state.sockets ?? []).length > 0;
  // Once every process has ended, no pipe() can come: say why none is left instead.
  const over = ev.state.procs.length > 0 && ev.state.procs.every((p) => p.status === "exited" || p.status === "killed");
  const note = over && NO_PIPE_NOTE[chapter] ? "run.no_pipes_left" : NO_PIPE_NOTE[chapter];
  if (note && !pipes.length && !freed.length && !other) container.append(h("p", { class: "none" }, t(note)));
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
    ringView(pipe, ev.state),
    h(
      "p",
      { class: "bytes", "data-testid": "pipe-bytes", dataset: { bytes: pipe.bytes ?? "", capacity: pipe.capacity ?? "" } },
      pipe.bytes === null ? t("pipe.bytes_unknown", { capacity: pipe.capacity ?? "?" }) : t("pipe.bytes", { bytes: pipe.bytes, capacity: pipe.capacity }),
    ),
    moved ? h("p", { class: `delta ${moved.dir}`, "data-testid": "pipe-delta" }, `${moved.dir === "in" ? "+" : "−"}${ev.ret} `, h("code", {}, dataText(ev))) : null,
    h(
      "p",
      { class: "pipe-state" },
      freed ? t("pipe.freed") : full ? t("pipe.full") : pipe.bytes === 0 ? t("pipe.empty") : pipe.bytes === null ? t(heldByNone(pipe, ev.state) ? "pipe.bytes_unasked" : "pipe.bytes_unanswered") : null,
      !freed && !pipe.ring.exact ? h("span", { class: "inexact" }, ` ≈ ${t("pipe.inexact")}`) : null,
    ),
  );
}

/** Whether no live process has an fd on this pipe (its ends in flight, say). */
function heldByNone(pipe, state) {
  const live = state.procs.filter((p) => p.status !== "exited" && p.status !== "killed");
  return !live.some((p) => p.fds.some((row) => row.pipe === pipe.id));
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
