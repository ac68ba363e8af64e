// What an event took away, read from that event's own `state.gone` (docs/events.md, "gone"):
// the fds it closed or replaced and the pipes it freed, as they were just before. The page
// never looks at the previous event for this, so a position reached by a jump draws the same
// as one reached by stepping.

/** The fds this event took from process `pid`, each the row `procs[].fds` last showed. */
export function goneFds(state, pid) {
  return state.gone.fds.filter((g) => g.pid === pid);
}

/** The pipes this event freed (its last end closed), each as `pipes[]` last showed it. */
export function freedPipes(state) {
  return state.gone.pipes;
}
