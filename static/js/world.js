// Questions asked of one event's `state` (the whole world after that event).

import { goneFds } from "./gone.js";
import { getLang, t } from "./i18n.js";

export function procOf(state, pid) {
  return state.procs.find((p) => p.pid === pid) ?? null;
}

export function fdOf(state, pid, fd) {
  return procOf(state, pid)?.fds.find((f) => f.fd === fd) ?? null;
}

export function pipeOf(state, id) {
  return state.pipes.find((p) => p.id === id) ?? null;
}

/**
 * The fd row an event's call is about: open after it, or taken away by it (a close names the
 * fd it closed, which only the event's `gone` still holds).
 */
export function callFd(ev) {
  const fd = ev.args?.fd ?? ev.blocked_on?.fd;
  if (fd === undefined || fd === null) return null;
  return fdOf(ev.state, ev.pid, fd) ?? goneFds(ev.state, ev.pid).find((g) => g.fd === fd) ?? null;
}

/** What to call a process in a sentence: "the parent (5975)" / "父进程（5975）". */
export function roleName(proc) {
  if (!proc) return "?";
  if (proc.program) return proc.name;
  const key = `proc.role.${proc.role}`;
  const word = t(key);
  return word === key ? proc.name : word;
}

export function who(state, pid) {
  const proc = procOf(state, pid);
  const name = roleName(proc);
  const said = t("say.who", { name, pid });
  // Chinese sets a Latin word (a program's own name: eof, ls) apart with spaces: 向 eof（21590）
  // (a space that meets another, or starts a line, is collapsed by HTML).
  return getLang() === "zh" && /^[A-Za-z]/.test(name) ? ` ${said}` : said;
}

/** Whether the event moved bytes through a pipe, and which way: "in", "out" or null. */
export function pipeFlow(ev) {
  if (ev.type !== "call.return" || ev.ret <= 0) return null;
  if (ev.call !== "write" && ev.call !== "read") return null;
  const row = callFd(ev);
  if (!row?.pipe) return null;
  return { dir: ev.call === "write" ? "in" : "out", pipe: row.pipe, fd: row.fd };
}
