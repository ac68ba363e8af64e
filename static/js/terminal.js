// The run's terminal. Its text only grows, so events do not carry it whole: each carries what
// it added (an output event's `data`, any other's `state.output_new`) and where the terminal
// stands after it (`state.output_at`, in characters of the run's output). The page keeps the
// run's output here, once, and shows any step from that step's own `output_at`: the last
// SCROLLBACK characters before it, as a terminal keeps a scrollback. A step whose earlier
// events never arrived here asks the server for the text (GET /api/runs/{id}/output?upto=N).

import { t } from "./i18n.js";

export const SCROLLBACK = 8192; // characters; the server's endpoint serves as many

export class TerminalView {
  constructor(pre) {
    this.pre = pre;
    this.reset(null);
  }

  /** A new run (its id, once the server gave one): the last one's output is forgotten. */
  reset(runId) {
    this.runId = runId;
    this.output = new RunOutput();
    this.asked = new Map(); // output_at -> its request, so each is asked for once
    this.shown = null;
  }

  /** Events as they arrive, in any order, with gaps or not. */
  add(events) {
    for (const ev of events) this.output.add(ev.state.output_at, ev.type === "output" ? ev.data : ev.state.output_new);
  }

  /** The terminal as it was after `ev`, from that event alone and the run's output. */
  show(ev) {
    this.shown = ev;
    if (!ev) return this.draw("", "run.terminal_empty");
    const at = ev.state.output_at;
    const text = this.output.before(at, SCROLLBACK);
    if (text !== null) return this.draw(text, "run.terminal_empty");
    this.draw("", this.asked.get(at) === "failed" ? "run.terminal_lost" : "run.terminal_loading");
    this.ask(at);
  }

  async ask(at) {
    if (this.asked.has(at) || this.runId === null) return;
    const runId = this.runId;
    this.asked.set(at, "asking");
    let body = null;
    try {
      const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/output?upto=${at}`);
      body = response.ok ? await response.json() : null;
    } catch {
      body = null;
    }
    if (runId !== this.runId) return; // a new run started meanwhile
    if (body && body.upto === at) this.output.add(at, body.text);
    else this.asked.set(at, "failed"); // the run was dropped, or the network is gone
    if (this.shown?.state.output_at === at) this.show(this.shown);
  }

  draw(text, emptyKey) {
    this.pre.textContent = text || t(emptyKey);
    this.pre.classList.toggle("blank", !text);
    this.pre.dataset.outputAt = this.shown ? String(this.shown.state.output_at) : "0";
    this.pre.scrollTop = this.pre.scrollHeight; // the newest line in view, as in a terminal
  }
}

/** The parts of a run's output received so far: pieces {start, end, text}, sorted and never
 * overlapping, offsets in characters (code points, as the server counts them). */
export class RunOutput {
  constructor() {
    this.pieces = [];
  }

  /** The text that ends at offset `end`. */
  add(end, text) {
    if (!text) return;
    const start = end - cpLength(text);
    const last = this.pieces[this.pieces.length - 1];
    if (!last || last.end <= start) {
      this.pieces.push(piece(start, end, text)); // the usual case: events in order
      return;
    }
    // Out of order, or overlapping what is known (a reply from the server): keep only the
    // parts that fill gaps. The output is one text, so what overlaps is the same.
    const gaps = [];
    let from = start;
    for (const known of this.pieces) {
      if (known.end <= from || known.start >= end) continue;
      if (known.start > from) gaps.push(piece(from, known.start, cpSlice(text, from - start, known.start - start)));
      from = Math.max(from, known.end);
    }
    if (from < end) gaps.push(piece(from, end, cpSlice(text, from - start, end - start)));
    this.pieces.push(...gaps);
    this.pieces.sort((a, b) => a.start - b.start);
  }

  /** The last `size` characters before offset `at`, or null if part of them never came. */
  before(at, size) {
    const lo = Math.max(0, at - size);
    const parts = [];
    let cur = at;
    // The piece holding the character just before `at`: the first to end at or after it.
    let i = this.firstEndingAtOrAfter(at);
    while (cur > lo) {
      const p = this.pieces[i];
      if (!p || p.start >= cur || p.end < cur) return null; // a gap
      const from = Math.max(lo, p.start);
      parts.push(cpSlice(p.text, from - p.start, cur - p.start, p.wide));
      cur = from;
      i -= 1;
    }
    return parts.reverse().join("");
  }

  firstEndingAtOrAfter(at) {
    let lo = 0;
    let hi = this.pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pieces[mid].end < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

function piece(start, end, text) {
  return { start, end, text, wide: SURROGATE.test(text) };
}

function cpLength(text) {
  if (!SURROGATE.test(text)) return text.length;
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

function cpSlice(text, from, to, wide = SURROGATE.test(text)) {
  return wide ? Array.from(text).slice(from, to).join("") : text.slice(from, to);
}
