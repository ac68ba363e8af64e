// The moments a student jumps between in a long run: where a call blocks, where a sleeper
// wakes, an end of file, a signal, an exit, a failed call. Each is a question asked of one
// event alone, so a jump lands on the same event however the page got where it is.

export const MOMENTS = {
  block: (ev) => ev.type === "call.block",
  wake: (ev) => ev.type === "call.return" && ev.blocked === true,
  eof: (ev) => ev.type === "call.return" && ev.ret === 0 && ["read", "recv", "recvfrom", "recvmsg"].includes(ev.call),
  signal: (ev) => ev.type === "signal",
  exit: (ev) => ev.type === "proc.exit",
  error: (ev) => ev.type === "call.return" && ev.ret === -1,
};

/** The index of the nearest event after (dir 1) or before (dir -1) `from` that is such a
 * moment, or null when there is none. */
export function findMoment(events, from, dir, kind) {
  const is = MOMENTS[kind];
  if (!is) return null;
  for (let i = from + dir; i >= 0 && i < events.length; i += dir) {
    if (events[i] && is(events[i])) return i;
  }
  return null;
}

/** With "whole calls" on, a call's entry is not a stop of its own: stepping and playback go
 * from the state before the call to its return (or to where it blocked). The newest event is
 * never passed over, so a step-mode run always shows what just happened. */
export function skipsEntry(events, index) {
  const ev = events[index];
  return ev?.type === "call.enter" && index < events.length - 1;
}
