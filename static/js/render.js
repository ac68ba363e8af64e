// render(view, event): draw one position of the run from that event alone, never from its
// neighbours. Its `state` is the world after it, and `state.gone` what it took away (a closed
// fd's fading row, a freed pipe); replay, stepping back and jumping all come through here, so
// any position, however it is reached, shows exactly what was shown the first time. (The
// terminal's text is kept once per run, in terminal.js: a state says how much of it to show.)

import { narrate } from "./narrate.js";
import { renderPipes } from "./pipe-ring.js";
import { renderProcs } from "./proc-card.js";
import { renderMappings } from "./shm.js";
import { renderSockets } from "./sockets.js";
import { stuckLines } from "./stuck.js";
import { drawWires } from "./wires.js";

/** view: {stage, procs, pipes, wires, terminal, caption, source, log, empty, chapter} */
export function render(view, ev, opts = {}) {
  view.empty.hidden = Boolean(ev);
  if (!ev) {
    view.procs.replaceChildren();
    view.pipes.replaceChildren();
    renderMappings(view.stage.querySelector(".mappings"), null);
    view.wires.replaceChildren();
    view.terminal.show(null);
    view.caption.textContent = "";
    view.source.show(null);
    return;
  }
  view.stage.dataset.seq = ev.seq;
  view.stage.dataset.type = ev.type;
  renderProcs(view.procs, ev, opts);
  renderPipes(view.pipes, ev, view.chapter);
  renderMappings(view.stage.querySelector(".mappings"), ev);
  renderSockets(view.stage.querySelector(".sockets"), ev);
  // The terminal as it was at this step: its text before this state's `output_at`.
  view.terminal.show(ev);
  // A run that timed out also says, one line a blocked process, why it could not go on.
  view.caption.replaceChildren(narrate(ev), ...stuckLines(ev));
  view.caption.dataset.kind = ev.type;
  view.source.show(ev);
  view.log.highlight(ev.seq);
  drawWires(view.stage, view.wires);
}
