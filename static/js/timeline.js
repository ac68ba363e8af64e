// The replay position over the events received so far (Python Tutor style). The run on the
// server is one thing; where the page looks is another: this module only moves the
// position, it never talks to the server.

import { skipsEntry } from "./moments.js";

export class Timeline {
  constructor(onMove) {
    this.onMove = onMove; // (index, {animate}) after every move, and on new events
    this.events = [];
    this.pos = -1;
    this.playing = false;
    this.ended = false;
    this.intervalMs = 600;
    // A step-mode run: the events of a step the student just asked for are shown quickly.
    this.following = false;
    this.timer = null;
    this.wholeCalls = false; // a call's entry and return as one step (moments.js)
    this.ownMove = null; // called at each move the student makes (a lesson's watcher detaches)
  }

  /** The position one step from `from` (dir 1 or -1), passing over calls' entries when
   * whole calls are asked for. */
  step(from, dir) {
    let i = from + dir;
    while (this.wholeCalls && i > 0 && i < this.last && skipsEntry(this.events, i)) i += dir;
    return i;
  }

  get last() {
    return this.events.length - 1;
  }

  reset() {
    this.pause();
    this.events = [];
    this.pos = -1;
    this.ended = false;
    this.onMove(-1, { animate: false });
  }

  /** New events from the server, in seq order. While playing they are shown in turn. */
  add(events) {
    for (const ev of events) {
      this.events[ev.seq] = ev;
      if (ev.type === "run.end") this.ended = true;
    }
    if (this.pos < 0) {
      this.go(0, { animate: false });
      // The first event gets its full interval on screen before playback moves on.
      if (this.playing && !this.timer) this.timer = setTimeout(() => this.tick(), this.intervalMs);
      return;
    }
    this.onMove(this.pos, { animate: false, onlyCount: true });
    if (this.playing && !this.timer) this.tick();
  }

  go(index, { animate = false } = {}) {
    if (!this.events.length) return;
    this.pos = Math.max(0, Math.min(index, this.last));
    this.onMove(this.pos, { animate });
  }

  /** A move the student made: it stops playback, as in any player. */
  seek(index) {
    this.ownMove?.();
    this.show(index);
  }

  /** A move the page makes (an address's position, the teacher's): as a seek, but not the
   * student's own. */
  show(index) {
    this.pause();
    this.go(index, { animate: index === this.pos + 1 });
  }

  play() {
    if (this.pos >= this.last && this.ended) this.go(0);
    this.playing = true;
    this.onMove(this.pos, { animate: false, onlyCount: true });
    if (!this.timer) this.tick();
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.onMove(this.pos, { animate: false, onlyCount: true });
  }

  toggle() {
    this.ownMove?.();
    if (this.playing) this.pause();
    else this.play();
  }

  setInterval(ms) {
    this.intervalMs = ms;
  }

  // One position per interval; at the end of what has arrived, wait for more (a live run
  // still streaming, or the next step of a step-mode run), or stop once the run has ended.
  tick() {
    this.timer = null;
    if (!this.playing) return;
    if (this.pos < this.last) {
      this.go(this.step(this.pos, 1), { animate: true });
      this.timer = setTimeout(() => this.tick(), this.following ? Math.min(this.intervalMs, 300) : this.intervalMs);
    } else if (this.ended) {
      this.pause();
    }
  }
}
