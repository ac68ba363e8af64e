// Why a run that hit its time limit is stuck, in the page's language. The server says the
// same in English (app/runner/diagnose.py); the page says it again itself so that a student
// reading in Chinese gets it in Chinese. Everything comes from the run.end event's own
// `state` (the world as the run ended, before the leftovers were killed), as every view does.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { icon } from "./icons.js";
import { endFiles } from "./files.js";
import { startOfSentence } from "./narrate.js";
import { who } from "./world.js";

/** One sentence per blocked process: what it sleeps in, and who could wake it but does not. */
export function stuckSentences(state) {
  const blocked = state.procs.filter((p) => p.status === "blocked");
  return blocked.map((proc) => startOfSentence(state, proc.pid, stuckSentence(state, proc)));
}

/** The sentences as caption lines, for a run.end by time-out; nothing for any other event. */
export function stuckLines(ev) {
  if (ev.type !== "run.end" || ev.reason !== "timeout") return [];
  return stuckSentences(ev.state).map((text) => h("span", { class: "stuck", "data-testid": "stuck" }, icon("blocked"), " ", text));
}

function stuckSentence(state, proc) {
  const on = proc.blocked_on ?? {};
  const name = who(state, proc.pid);
  if (on.pipe && on.call === "read") return blockedReading(state, proc, on.pipe, name);
  if (on.pipe && on.call === "write") {
    const holders = holdersText(state, on.pipe, "read", endHolders(state, on.pipe, "read"));
    return t("stuck.write", { who: name, pipe: on.pipe, holders: holders || t("stuck.nobody") });
  }
  if (on.call === "open" && on.path) return t("stuck.open", { who: name, path: on.path });
  if (on.call === "wait4") {
    const children = state.procs.filter((p) => p.ppid === proc.pid && ["running", "blocked", "unknown"].includes(p.status));
    const names = listOf(children.map((child) => who(state, child.pid)));
    return t("stuck.wait4", { who: name, children: names || t("stuck.a_child") });
  }
  return t("stuck.other", { who: name, call: on.call ?? "?" });
}

// A read on an empty pipe returns EOF only once every write end is closed, so each open write
// end is a reason it sleeps; one the reader holds itself is the bug no other process can fix.
function blockedReading(state, reader, pipe, name) {
  const writers = endHolders(state, pipe, "write");
  const own = writers.filter((row) => row.pid === reader.pid).map((row) => row.fd);
  const others = holdersText(state, pipe, "write", writers.filter((row) => row.pid !== reader.pid));
  if (!own.length) return t("stuck.read", { who: name, pipe, holders: others || t("stuck.nobody") });
  const fd = listOf(own);
  return others ? t("stuck.read.own_and_others", { who: name, pipe, holders: others, fd }) : t("stuck.read.own", { who: name, pipe, fd });
}

/** The fd rows, across every process, that hold `end` of the pipe (an fd opened read-write holds both). */
function endHolders(state, pipe, end) {
  return state.procs.flatMap((p) =>
    p.fds.filter((row) => row.pipe === pipe && (row.end === end || row.end === "both")).map((row) => ({ pid: p.pid, fd: row.fd })),
  );
}

/** Who keeps an end open, by open file when the kernel said which fds share one: "file f3
 *  (the parent (12) fd 4, the child (13) fd 4)"; by fd otherwise. */
function holdersText(state, pipe, end, rows) {
  if (state.files === null) return listOf(rows.map((row) => holderText(state, row)));
  const wanted = new Set(rows.map((r) => `${r.pid}:${r.fd}`));
  return listOf(
    endFiles(state, pipe, end)
      .map((file) => file.refs.filter((r) => wanted.has(`${r.pid}:${r.fd}`)))
      .filter((refs) => refs.length)
      .map((refs) => t("stuck.file", { file: fileIdOf(state, refs[0]), refs: listOf(refs.map((r) => holderText(state, r))) })),
  );
}

function fileIdOf(state, ref) {
  return state.files.find((f) => f.refs.some((r) => r.pid === ref.pid && r.fd === ref.fd))?.id ?? "?";
}

function holderText(state, row) {
  return t("stuck.holder", { who: who(state, row.pid), fd: row.fd });
}

function listOf(items) {
  return items.join(t("list_sep"));
}
