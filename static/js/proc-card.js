// A process card: pid, role, status (with a tooltip that explains it), what the current
// event did to it, its fd table as /proc shows it, and in step mode its next call.

import { h } from "./dom.js";
import { blockedStatus, fileType } from "./fifo.js";
import { callText, dataText } from "./format.js";
import { t } from "./i18n.js";
import { goneFds } from "./gone.js";
import { icon } from "./icons.js";
import { signalPanel, stoppedStatus } from "./signals.js";
import { roleName } from "./world.js";

/**
 * opts.steppable: the page shows the newest event of a step-mode run, so `next` can be let go.
 * opts.stepMode: this page drives a step-mode run: the Step button stays in place (marked
 * unavailable while steps are shown), so the keyboard's focus is not lost as events come.
 * opts.onStep(pid): called when the student presses a process's Step button.
 */
export function renderProcs(container, ev, opts = {}) {
  const cards = ev.state.procs.map((proc) => card(proc, ev, opts));
  container.replaceChildren(...cards);
  if (!cards.length) container.append(h("p", { class: "none" }, t("run.no_procs")));
}

function card(proc, ev, opts) {
  const status = statusOf(proc);
  const here = ev.pid === proc.pid;
  return h(
    "article",
    {
      class: `proc status-${status.key}${here ? " current" : ""}`,
      "data-testid": "proc",
      dataset: { pid: proc.pid, role: proc.role, status: status.key },
      "aria-label": `${roleName(proc)} pid ${proc.pid}${t("say.colon")}${status.text}`,
    },
    h(
      "header",
      {},
      h("span", { class: "proc-name", "data-testid": "proc-name" }, roleName(proc)),
      h("span", { class: "pid", "data-testid": "proc-pid" }, `pid ${proc.pid}`),
      h("span", { class: "ppid" }, t("proc.ppid", { ppid: proc.ppid })),
      h(
      "p",
      { class: `status ${status.key} tip`, "data-testid": "proc-status", dataset: { status: status.key, tip: status.tip }, tabindex: 0 },
      icon(status.icon),
      status.text,
      h("span", { class: "visually-hidden" }, `${t("say.colon")}${status.tip}`),
      ),
    ),
    proc.program ? h("code", { class: "program" }, proc.program.join(" ")) : null,
    here ? effect(ev) : null,
    signalPanel(proc, ev),
    threadList(proc, ev),
    fdTable(proc, ev),
    nextCall(proc, opts),
  );
}

/** A traced program's threads: each with its own state and the call it is in (its own wchan). */
function threadList(proc, ev) {
  const threads = proc.threads ?? [];
  if (!threads.length) return null;
  return h(
    "ul",
    { class: "threads", "data-testid": "threads", "aria-label": t("thread.list") },
    ...threads.map((th) => {
      const b = th.blocked_on;
      const state = th.status === "blocked" ? t("status.blocked", { call: b?.call ?? "?" }) : t(`thread.${th.status}`);
      const waiting = th.status === "running" && th.waiting ? ` · ${t("thread.waiting", { call: th.waiting })}` : "";
      const call = (th.status === "running" && th.call ? ` · ${th.call}()` : "") + waiting;
      const mine = ev.tid === th.tid ? " current" : "";
      return h("li", { class: `thread ${th.status}${mine}`, dataset: { tid: th.tid, status: th.status, waiting: th.waiting ?? "" } }, t("thread.row", { tid: th.tid }), ` ${state}${call}`);
    }),
  );
}

export function statusOf(proc) {
  const ended = proc.status === "exited" || proc.status === "killed";
  const endText =
    proc.status === "killed"
      ? t("status.killed", { signal: proc.signal })
      : t("status.exited", { code: proc.exit_code });
  if (ended && proc.zombie) {
    return { key: "zombie", icon: "zombie", text: `${t("status.zombie")} · ${endText}`, tip: t("status.zombie.tip") };
  }
  if (proc.status === "exited") return { key: "exited", icon: "exited", text: endText, tip: t("status.exited.tip") };
  if (proc.status === "killed") return { key: "killed", icon: "killed", text: endText, tip: t("status.killed.tip") };
  if (proc.status === "blocked") {
    const b = proc.blocked_on ?? {};
    const text =
      b.fd !== null && b.fd !== undefined
        ? t("status.blocked_pipe", { call: b.call, fd: b.fd, pipe: b.pipe ?? b.socket ?? "?" })
        : (blockedStatus(b) ?? t("status.blocked", { call: b.call ?? "?" }));
    const tipKey = ["read", "write", "wait4", "open"].includes(b.call) ? `status.blocked.${b.call}.tip` : "status.blocked.other.tip";
    return { key: "blocked", icon: "blocked", text, tip: t(tipKey, { wchan: b.wchan ?? "?" }) };
  }
  if (proc.status === "stopped") return stoppedStatus();
  if (proc.status === "unknown") return { key: "unknown", icon: "warn", text: t("status.unknown"), tip: t("status.unknown.tip") };
  return { key: "running", icon: "play", text: t("status.running"), tip: t("status.running.tip") };
}

/** What the current event did to this process, in a few words and an icon. */
function effect(ev) {
  const fx = effectOf(ev);
  if (!fx) return null;
  return h(
    "p",
    {
      class: `fx fx-${fx.kind}${fx.tip ? " tip" : ""}`,
      "data-testid": "proc-fx",
      dataset: { fx: fx.kind, ...(fx.tip ? { tip: fx.tip } : {}) },
      tabindex: fx.tip ? 0 : null,
    },
    icon(fx.icon),
    h("strong", {}, fx.text),
    fx.data !== undefined ? h("code", { class: "data", "data-testid": "fx-data" }, fx.data) : null,
    fx.tip ? h("span", { class: "visually-hidden" }, `${t("say.colon")}${fx.tip}`) : null,
  );
}

function effectOf(ev) {
  switch (ev.type) {
    case "proc.start":
      return { kind: "born", icon: "born", text: t("fx.born") };
    case "call.enter":
      return { kind: "call", icon: "call", text: t("fx.calling", { call: callText(ev, 16) }) };
    case "call.block":
      return { kind: "block", icon: "blocked", text: `${t("fx.blocked")}${t("say.colon")}${callText(ev, 16)}` };
    case "signal":
      return { kind: ev.signal === "SIGPIPE" ? "sigpipe" : "signal", icon: "signal", text: t(`fx.signal.${ev.action}`, { signal: ev.signal }) };
    case "call.return":
      return returnEffect(ev);
    default:
      return null;
  }
}

function returnEffect(ev) {
  if (ev.ret === -1) {
    if (ev.errno === "EPIPE") return { kind: "epipe", icon: "warn", text: t("fx.epipe"), tip: t("fx.epipe.tip") };
    if (ev.errno === "EAGAIN") return { kind: "eagain", icon: "warn", text: t("fx.eagain"), tip: t("fx.eagain.tip") };
    return { kind: "error", icon: "warn", text: t("fx.error", { errno: ev.errno }) };
  }
  const data = dataText(ev);
  if (ev.call === "read" && ev.ret === 0) return { kind: "eof", icon: "eof", text: t("fx.eof"), tip: t("fx.eof.tip") };
  if (ev.call === "read") return { kind: "read", icon: "read", text: t("fx.read", { n: ev.ret }), data };
  if (ev.call === "write") return { kind: "wrote", icon: "write", text: t("fx.wrote", { n: ev.ret }), data };
  if (ev.call === "fork") return { kind: "forked", icon: "born", text: t("fx.forked", { pid: ev.ret }) };
  return { kind: "returned", icon: "returned", text: `${callText(ev, 16)} = ${ev.ret}` };
}

function fdTable(proc, ev) {
  const active = ev.pid === proc.pid ? activeFds(ev) : new Set();
  // The fds this event closed or replaced stay one frame, faded. A dup2 over an open fd has
  // both: the row it replaced, then the new one under the same number.
  const closed = goneFds(ev.state, proc.pid).map((fd) => fdRow(proc, fd, false, true));
  const rows = proc.fds.map((fd) => fdRow(proc, fd, active.has(fd.fd)));
  const body = [...closed, ...rows].sort((a, b) => Number(a.dataset.fd) - Number(b.dataset.fd));
  return h(
    "table",
    { class: "fds", "data-testid": "fd-table" },
    h("caption", {}, t("proc.fd_table")),
    h(
      "thead",
      {},
      h("tr", {}, ...["fd", "type", "kind", "target", "mode"].map((c) => h("th", { scope: "col", title: c === "type" ? t("fd.col.type.tip") : null }, t(`fd.col.${c}`)))),
    ),
    h("tbody", {}, body.length ? body : h("tr", {}, h("td", { colspan: 5, class: "none" }, t("proc.fd_empty")))),
  );
}

function activeFds(ev) {
  const a = ev.args ?? {};
  return new Set([a.fd, a.oldfd, a.newfd, ...(a.fds ?? []), ev.blocked_on?.fd].filter((n) => n !== undefined && n !== null));
}

function fdRow(proc, fd, active, closed = false) {
  const end = fd.end ? h("span", { class: `end end-${fd.end}`, "data-testid": "fd-end" }, t(`fd.end.${fd.end}`)) : null;
  const flags = [
    fd.nonblock ? h("abbr", { class: "flag", title: t("fd.nonblock") }, "NONBLOCK") : null,
    fd.cloexec ? h("abbr", { class: "flag", title: t("fd.cloexec") }, "CLOEXEC") : null,
  ];
  return h(
    "tr",
    {
      class: `fd kind-${fd.kind}${active ? " active" : ""}${closed ? " closed" : ""}`,
      "data-testid": closed ? "fd-row-closed" : "fd-row",
      dataset: { pid: proc.pid, fd: fd.fd, kind: fd.kind, ...(fd.pipe ? { pipe: fd.pipe, end: fd.end } : {}), ...(fd.file ? { file: fd.file } : {}), ...(fd.socket ? { socket: fd.socket } : {}) },
      title: closed ? t("fd.closed.tip") : null,
    },
    h("th", { scope: "row", class: "fdnum" }, String(fd.fd)),
    h("td", { class: "type" }, fileType(fd)),
    h("td", { class: "kind" }, t(`fd.kind.${fd.kind}`)),
    h(
      "td",
      { class: "target" },
      h("code", {}, fd.target),
      " ",
      end,
      fd.file && fd.pipe ? h("span", { class: "fd-file", "data-testid": "fd-file", title: t("file.of_fd.tip") }, `→ ${fd.file}`) : null,
      closed ? h("span", { class: "closed-tag" }, t("fd.closed")) : null,
    ),
    h("td", { class: "mode", title: fd.mode ? t(`fd.mode.${fd.mode}`) : null }, fd.mode ?? "", ...flags),
  );
}

function nextCall(proc, opts) {
  if (!proc.next) return null;
  const call = callText(proc.next, 16);
  return h(
    "div",
    { class: "proc-next", "data-testid": "proc-next" },
    h("span", { class: "label" }, `${t("proc.next")}: `),
    h("code", {}, call),
    opts.steppable || opts.stepMode
      ? h(
          "button",
          {
            type: "button",
            class: "step primary",
            "data-testid": "step",
            dataset: { pid: proc.pid },
            "aria-disabled": opts.steppable ? null : "true",
            title: t(opts.steppable ? "ctl.step_hint" : "ctl.step_wait", { call }),
            "aria-label": `${t("ctl.step")} ${roleName(proc)} ${proc.pid}${t("say.colon")}${call}`,
            onclick: () => {
              if (opts.steppable) opts.onStep?.(proc.pid);
            },
          },
          icon("step"),
          t("ctl.step"),
        )
      : null,
  );
}
