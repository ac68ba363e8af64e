// A process's signals, on its card: the sets the kernel keeps for it (/proc/PID/status:
// pending, blocked, caught, ignored) and, at a `signal` event, the signal's journey from the
// kill to what it did: sent → pending → delivered → handler (or ignored, stopped, killed).
// Everything is drawn from the one event shown, as every view is.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { who } from "./world.js";

const SETS = ["pending", "blocked", "caught", "ignored"];
// The stages a signal passes through, by what it did: a pending one is not delivered yet.
function stagesOf(action) {
  if (action === "pending" || action === "merged") return { steps: ["sent", "pending", "delivered"], now: "pending" };
  if (action === "ignore") return { steps: ["sent", "outcome"], now: "outcome" };
  return { steps: ["sent", "delivered", "outcome"], now: "outcome" };
}

/** The card's signal panel: null for a process with nothing to show (a C program's start). */
export function signalPanel(proc, ev) {
  const sets = proc.signals;
  const here = ev.type === "signal" && ev.pid === proc.pid;
  if (!sets && !here) return null;
  const rows = sets ? SETS.map((name) => setRow(name, sets)).filter(Boolean) : [];
  if (!rows.length && !here) return null;
  return h(
    "section",
    { class: "signals", "data-testid": "signals", "aria-label": t("sig.title") },
    h("h4", {}, t("sig.title")),
    rows.length ? h("dl", { class: "sig-sets" }, ...rows) : null,
    here ? journey(ev) : null,
  );
}

function setRow(name, sets) {
  // Pending is the thread's and the process's together; a tag says which held it.
  const names = name === "pending" ? [...new Set([...sets.pending, ...sets.shared_pending])] : sets[name];
  if (!names.length) return null;
  return [
    h("dt", { class: `sig-set-name sig-${name}`, title: t(`sig.set.${name}.tip`) }, t(`sig.set.${name}`)),
    h(
      "dd",
      { class: `sig-set sig-${name}`, "data-testid": `sig-${name}`, dataset: { signals: names.join(" ") } },
      ...names.map((s) =>
        h(
          "code",
          {
            class: "sig",
            title: name === "pending" ? t(sets.pending.includes(s) ? "sig.thread.tip" : "sig.shared.tip") : null,
          },
          s,
        ),
      ),
    ),
  ];
}

function journey(ev) {
  const { steps, now } = stagesOf(ev.action);
  const reached = steps.slice(0, steps.indexOf(now) + 1);
  return h(
    "ol",
    { class: "sig-journey", "data-testid": "sig-journey", dataset: { action: ev.action, signal: ev.signal } },
    ...steps.map((stage) =>
      h(
        "li",
        { class: `sig-stage${reached.includes(stage) ? " reached" : ""}${stage === now ? " now" : ""}`, dataset: { stage } },
        stageText(stage, ev),
      ),
    ),
  );
}

function stageText(stage, ev) {
  if (stage === "sent") return ev.sender ? t("sig.stage.sent_by", { pid: ev.sender }) : t("sig.stage.sent");
  if (stage === "pending") return t(ev.action === "merged" ? "sig.stage.merged" : "sig.stage.pending");
  if (stage === "delivered") return t("sig.stage.delivered");
  return t(`sig.stage.${ev.action}`);
}

/** A stopped process's status: state T. */
export function stoppedStatus() {
  return { key: "stopped", icon: "blocked", text: t("status.stopped"), tip: t("status.stopped.tip") };
}

/** The caption of a `signal` event. */
export function signalSentence(ev, name) {
  // No sender known (the strace backend, SIGPIPE from the kernel): the plain sentences.
  if (!ev.sender && ["kill", "ignore", "handle"].includes(ev.action)) {
    return t(`say.signal.${ev.action}`, { signal: ev.signal, who: name });
  }
  const from = ev.sender ? who(ev.state, ev.sender) : t("sig.the_kernel");
  const mask = (ev.handler_mask ?? []).join(" ") || "—";
  return t(`say.sig.${ev.action}`, { signal: ev.signal, who: name, from, mask });
}

const SIGNAL_CALLS = new Set(["kill", "rt_sigaction", "rt_sigprocmask", "pause", "rt_sigsuspend", "rt_sigtimedwait"]);

/** The caption of a signal call's return, or of a call a handler interrupted; else null. */
export function signalReturn(ev, name) {
  const a = ev.args ?? {};
  if (ev.ret === -1 && ev.errno === "EINTR") return t("say.ret.eintr", { who: name, call: ev.call });
  if (ev.ret === -1 && ev.errno === "ESRCH" && ev.call === "kill") return t("say.ret.esrch", { who: name });
  if (ev.ret === -1 || !SIGNAL_CALLS.has(ev.call)) return null;
  const list = (xs) => (xs ?? []).join(" ") || "—";
  switch (ev.call) {
    case "kill":
      return t("say.ret.kill", { who: name, signal: a.sig, target: who(ev.state, a.pid) });
    case "rt_sigaction":
      return t(`say.ret.sigaction.${a.handler}`, { who: name, signal: a.sig, flags: list(a.flags) });
    case "rt_sigprocmask":
      return t(`say.ret.sigprocmask.${a.how}`, { who: name, set: list(a.set) });
    case "rt_sigtimedwait":
      return t("say.ret.sigwaitinfo", { who: name, signal: a.got ?? "?" });
    default:
      return null;
  }
}
