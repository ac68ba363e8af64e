// The caption: what the current event means, in words a student can follow.

import { sayFifo } from "./fifo.js";
import { endFiles, fileOf } from "./files.js";
import { callText, dataText, escapeText, quote } from "./format.js";
import { getLang, has, t } from "./i18n.js";
import { shmSentence } from "./shm-say.js";
import { signalReturn, signalSentence } from "./signals.js";
import { callFd, fdOf, pipeOf, procOf, who } from "./world.js";
import { narrateSocket } from "./sockets.js"; // after world.js: each kind's narration its own line

export function narrate(ev) {
  return startOfSentence(ev.state, ev.pid, sentence(ev));
}

/** "Parent (12) wrote…", but a program keeps its name's case: "ls (13) made fd 1…"; and
 * Chinese has no capitals to give (a role left in Latin letters stays as written). */
export function startOfSentence(state, pid, text) {
  if (procOf(state, pid)?.program || getLang() === "zh") return text;
  if (/^[a-z_0-9]+\(/.test(text)) return text; // a call's name is code: clock_nanosleep(…)
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sentence(ev) {
  const s = ev.state;
  const name = ev.pid ? who(s, ev.pid) : "";
  const own = shmSentence(ev, name);
  if (own) return own;
  switch (ev.type) {
    case "run.start":
      return t("say.run.start", { mode: t(`say.mode.${ev.mode}`) });
    case "proc.start": {
      const isFirst = s.procs[0]?.pid === ev.pid;
      return t(isFirst ? "say.proc.start.first" : "say.proc.start.child", { who: name, ppid: ev.ppid });
    }
    case "call.enter":
      return t("say.call.enter", { who: name, call: callText(ev, 24) });
    case "call.block": {
      const onSocket = narrateSocket(ev, name);
      if (onSocket) return onSocket;
      const call = ev.blocked_on?.call;
      if (call === "open") return sayFifo(ev, name);
      if (call === "read" || call === "write") return t(`say.call.block.${call}`, { who: name });
      return t("say.call.block", { who: name, call: callText(ev, 24), wchan: ev.blocked_on?.wchan ?? "?" });
    }
    case "call.return":
      return (narrateSocket(ev, name) ?? narrateReturn(ev, name)) + (ev.blocked ? t("say.sep") + t("say.ret.after_block") : "");
    case "signal":
      return signalSentence(ev, name);
    case "thread.start":
      return t("say.thread.start", { who: name, tid: ev.tid });
    case "thread.exit":
      return t("say.thread.exit", { who: name, tid: ev.tid });
    case "proc.exit":
      return ev.status === "killed"
        ? t("say.exit.killed", { who: name, signal: ev.signal })
        : t("say.exit.exited", { who: name, code: ev.exit_code });
    case "output":
      return t("say.output", { data: quote(escapeText(ev.data), false, 40) });
    case "state.change":
      return t("say.state.change", { reason: ev.reason });
    case "run.end": {
      // The reason, then the server's message, both in the page's language: the message is
      // worded from its key and values (the English `message` only for a key this page does
      // not know). After a time-out, who was stuck, and why, is told from the event's state
      // (stuck.js, drawn by render.js) rather than by the message.
      const key = `say.end.${ev.reason}`;
      const reason = t(key) === key ? ev.reason : t(key);
      let end = t("say.run.end", { reason });
      const message = ev.message_key && has(ev.message_key) ? t(ev.message_key, ev.message_values ?? {}) : ev.message;
      const explainedHere = ev.reason === "timeout";
      if (message && message !== reason && !explainedHere) {
        end += t("say.sep") + t("say.run.end.detail", { message });
      }
      return ev.killed?.length ? end + t("say.sep") + t("say.run.end.killed", { pids: ev.killed.join(t("list_sep")) }) : end;
    }
    default:
      return ev.type;
  }
}

function narrateReturn(ev, name) {
  const s = ev.state;
  const aboutSignals = signalReturn(ev, name);
  if (aboutSignals) return aboutSignals;
  const fifo = sayFifo(ev, name);
  if (fifo) return fifo;
  if (ev.ret === -1) {
    if (ev.errno === "EPIPE") return t("say.ret.epipe", { who: name });
    if (ev.errno === "EAGAIN") return t("say.ret.eagain", { who: name, call: ev.call });
    return t("say.ret.error", { who: name, call: ev.call, errno: ev.errno });
  }
  const row = callFd(ev);
  const data = dataText(ev, 40);
  switch (ev.call) {
    case "pipe":
    case "pipe2":
      return t("say.ret.pipe", { r: ev.args.fds?.[0], w: ev.args.fds?.[1] });
    case "fork":
      return t("say.ret.fork", { who: name, ret: ev.ret }) + (s.files?.length ? t("say.sep") + t("say.ret.fork.files") : "");
    case "close":
      return closed(ev, name, row);
    case "dup2": {
      const target = fdOf(s, ev.pid, ev.args.newfd)?.target ?? "?";
      return t("say.ret.dup2", { who: name, newfd: ev.args.newfd, oldfd: ev.args.oldfd, target });
    }
    case "execve":
      return t("say.ret.execve", { who: name, program: (procOf(s, ev.pid)?.program ?? ev.args.argv ?? []).join(" ") });
    case "wait4":
      return t("say.ret.wait4", { who: name, ret: ev.ret });
    case "read":
      if (ev.ret === 0) return t("say.ret.eof", { who: name });
      return t("say.ret.read", { who: name, n: ev.ret, data });
    case "write":
      if (row?.pipe) {
        const bytes = pipeOf(s, row.pipe)?.bytes ?? "?";
        return t("say.ret.write.pipe", { who: name, n: ev.ret, data, bytes });
      }
      return t("say.ret.write.tty", { who: name, n: ev.ret, data });
    default:
      return t("say.ret.other", { call: callText(ev, 24), ret: ev.ret, who: name });
  }
}

// Closing a pipe fd closes the end only with the last reference to the open file: say which.
function closed(ev, name, row) {
  const file = row?.pipe ? fileOf(ev.state, row) : null;
  if (!file) return t("say.ret.close", { who: name, fd: ev.args.fd });
  const end = t(`fd.end.${file.end ?? "both"}`);
  const released = ev.state.gone.files.some((f) => f.id === file.id);
  if (!released) return t("say.ret.close.shared", { who: name, fd: ev.args.fd, file: file.id, n: file.refs.length, end });
  const left = endFiles(ev.state, file.object, file.end === "read" ? "read" : "write").length;
  return t("say.ret.close.last", { who: name, fd: ev.args.fd, file: file.id, end, left });
}
