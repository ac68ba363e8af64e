// What an event took away, read from that event's own `state.gone` (docs/events.md, "gone"):
// the fds it closed or replaced and the pipes it freed, as they were just before. The page
// never looks at the previous event for this, so a position reached by a jump draws the same
// as one reached by stepping.

/** The fds this event took from process `pid`, shaped as the fd rows of `procs[].fds`. */
export function goneFds(state, pid) {
  return state.gone.fds.filter((g) => g.pid === pid).map(asFdRow);
}

/** The pipes this event freed (its last end closed), each as `pipes[]` last showed it. */
export function freedPipes(state) {
  return state.gone.pipes;
}

// A gone fd carries only fd, target, pipe and end; the rest of its row follows from those.
// Its flags (O_NONBLOCK, O_CLOEXEC) are not kept, and a closed row does not show them.
function asFdRow(g) {
  return { fd: g.fd, kind: kindOf(g.target), target: g.target, pipe: g.pipe, end: g.end, mode: modeOf(g.end) };
}

// The same classes as the server gives /proc's links (app/kernel/procfs.py, classify).
function kindOf(target) {
  if (target.startsWith("pipe:")) return "pipe";
  if (target.startsWith("socket:")) return "socket";
  if (target.startsWith("anon_inode:")) return "anon";
  if (target === "/dev/null") return "null";
  if (["/dev/pts/", "/dev/tty", "/dev/console"].some((p) => target.startsWith(p)) || target === "/dev/ptmx") return "tty";
  if (target.startsWith("/")) return "file";
  return "other";
}

// A pipe end's access mode is fixed by which end it is; any other fd's mode is not kept.
function modeOf(end) {
  return { read: "r", write: "w", both: "rw" }[end] ?? null;
}
