// System calls and events as strace prints them: `[pid 12] write(4, "hello pipe\n", 11) = 11`.
// The data strings in events are already escaped the way strace escapes them.

import { has, t } from "./i18n.js";
import { shmCallText, shmReturnText } from "./shm-say.js";

const ERRNO_TEXT = {
  EPIPE: "Broken pipe",
  EAGAIN: "Resource temporarily unavailable",
  EBADF: "Bad file descriptor",
  EINTR: "Interrupted system call",
  ECHILD: "No child processes",
  ESRCH: "No such process",
  ENOSYS: "Function not implemented",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  ENOENT: "No such file or directory",
  EFAULT: "Bad address",
  ENXIO: "No such device or address",
  EEXIST: "File exists",
};

/** A C string as strace shows it: quoted, and cut after max characters with `...`. */
export function quote(data, truncated = false, max = Infinity) {
  const text = data ?? "";
  const cut = text.length > max;
  return `"${cut ? text.slice(0, max) : text}"${truncated || cut ? "..." : ""}`;
}

/** Raw terminal text escaped as strace escapes bytes, for one line (an `output` event). */
export function escapeText(text) {
  const named = { "\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\" };
  return (text ?? "").replace(/[\n\t\r"\\]/g, (c) => named[c]);
}

/**
 * The bytes a read or write moved, short enough for a card: as runs of one repeated byte
 * when the event gives them (`"A"×4096 + "B"×904` shows a write cut by another writer),
 * else the quoted text.
 */
export function dataText(ev, max = 24) {
  const runs = ev.data_runs;
  // Only long runs say more than the text itself ("hello" is five runs of one byte).
  if (runs?.length && runs.every(([, count]) => count >= 8)) {
    return runs.map(([byte, count]) => `${quote(byte)}×${count}`).join(" + ");
  }
  return quote(ev.data, ev.data_truncated, max);
}

// Constants (F_SETFL, O_NONBLOCK, SIGPIPE, SIG_IGN) print bare, as strace prints them.
const CONSTANT = /^[A-Z][A-Z0-9_|]*$/;

function plain(value, max = Infinity) {
  if (Array.isArray(value)) return `[${value.map((v) => plain(v, max)).join(", ")}]`;
  if (typeof value === "string") return CONSTANT.test(value) ? value : quote(value, false, max);
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * A call with its arguments. `ev` may be a call.enter / call.block / call.return event or a
 * proc's `next` ({call, args}); bytes not known yet (a read before it returns) print as `…`.
 */
export function callText(ev, max = 32) {
  const a = ev.args ?? {};
  const done = ev.type === "call.return";
  switch (ev.call) {
    case "pipe":
    case "pipe2":
      return `${ev.call}(${a.fds ? plain(a.fds) : "…"}${a.flags ? `, ${a.flags}` : ""})`;
    case "fork":
    case "setsid":
    case "sched_yield":
      return `${ev.call}()`;
    case "close":
      return `close(${a.fd})`;
    case "read": {
      const buf = done && ev.ret >= 0 ? quote(ev.data, ev.data_truncated, max) : "…";
      // A traced read that has not returned yet may not know its count: strace prints it
      // with the return.
      return `read(${a.fd}, ${buf}${a.count === undefined ? "" : `, ${a.count}`})`;
    }
    case "write": {
      const data = done && ev.data !== null && ev.data !== undefined ? ev.data : a.buf;
      const count = a.count === undefined ? "" : `, ${a.count}`;
      return `write(${a.fd}, ${quote(data, done && ev.data_truncated, max)}${count})`;
    }
    case "dup2":
      return `dup2(${a.oldfd}, ${a.newfd})`;
    case "execve":
      return `execve(${quote(a.path)}, ${plain(a.argv ?? [])}, …)`;
    case "wait4":
      return `wait4(${a.pid ?? -1}, …${a.options ? `, ${a.options}` : ""})`;
    case "pause":
      return "pause()";
    case "rt_sigaction":
      return `rt_sigaction(${a.sig}, {sa_handler=${a.handler}, sa_mask=${sigs(a.mask)}, sa_flags=${(a.flags ?? []).join("|") || 0}}, …)`;
    case "rt_sigprocmask":
      return `rt_sigprocmask(${a.how}, ${sigs(a.set)}, …)`;
    case "rt_sigsuspend":
      return `rt_sigsuspend(${sigs(a.mask)})`;
    case "rt_sigtimedwait":
      return `rt_sigtimedwait(${sigs(a.set)}, …)`;
    case "exit_group":
      return `exit_group(${a.status ?? 0})`;
    case "mkfifo":
      return `mkfifo(${quote(a.path)}, ${a.mode ?? "0644"})`;
    case "clock_nanosleep":
      return `clock_nanosleep(${a.ms ?? "?"} ms)`;
    default:
      return shmCallText(ev) ?? `${ev.call}(${Object.entries(a).map(([, v]) => plain(v, max)).join(", ")})`;
  }
}

function sigs(names) {
  return `[${(names ?? []).join(" ")}]`;
}

export function returnText(ev) {
  if (ev.ret === -1 && ev.errno) {
    const words = ERRNO_TEXT[ev.errno];
    return ` = -1 ${ev.errno}${words ? ` (${words})` : ""}`;
  }
  return shmReturnText(ev) ?? ` = ${ev.ret}`;
}

/** One strace-like log line for any event. */
export function straceLine(ev) {
  const who = ev.pid === null || ev.pid === undefined ? "" : `[pid ${ev.pid}] `;
  switch (ev.type) {
    case "run.start":
      return t("log.run_start", { run: ev.run, scenario: ev.scenario, mode: t(`say.mode.${ev.mode}`) });
    case "proc.start":
      return `${who}${t("log.proc_start", { name: ev.name, ppid: ev.ppid })}`;
    case "call.enter":
      return `${who}${callText(ev)} …`;
    case "call.block":
      return `${who}${callText(ev)} ${t("log.blocked", { wchan: ev.blocked_on?.wchan ?? "?" })}`;
    case "call.return":
      return `${who}${callText(ev)}${returnText(ev)}${ev.blocked ? ` ${t("log.resumed")}` : ""}`;
    case "signal":
      return `${who}--- ${ev.signal} {si_signo=${ev.signal}} --- (${ev.action})`;
    case "proc.exit":
      return ev.status === "killed"
        ? `${who}${t("log.killed", { signal: ev.signal })}`
        : `${who}${t("log.exited", { code: ev.exit_code })}`;
    case "output":
      return `${who}[terminal] ${quote(escapeText(ev.data))}`;
    case "state.change":
      return `${who}--- ${ev.reason} ---`;
    case "run.end":
      // The server's message in the page's language, from its key, as the caption words it.
      return t("log.run_end", {
        reason: ev.reason,
        message: ev.message_key && has(ev.message_key) ? t(ev.message_key, ev.message_values ?? {}) : ev.message,
      });
    default:
      return `${who}${ev.type}`;
  }
}

/** How a log line is marked, beyond its text: errors, signals, ends. */
export function lineKind(ev) {
  if (ev.type === "call.return" && ev.ret === -1) return "error";
  if (ev.type === "call.return" && ev.call === "read" && ev.ret === 0) return "eof";
  if (ev.type === "signal") return "signal";
  if (ev.type === "call.block") return "block";
  if (ev.type === "proc.exit" && ev.status === "killed") return "signal";
  if (ev.type.startsWith("run.") || ev.type === "proc.start" || ev.type === "proc.exit") return "meta";
  return "call";
}
