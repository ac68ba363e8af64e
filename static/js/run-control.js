// The run itself, on the server: start it, follow its WebSocket, and in step mode let a
// process make its next call. The replay position lives in the Timeline, not here.

import { RunRefused, startRun } from "./api.js";
import { $ } from "./dom.js";
import { has, t } from "./i18n.js";
import { LessonView } from "./lesson.js";
import { openRun } from "./socket.js";
import { forgetToken, tokenFor } from "./tokens.js";

const byId = (id) => $(`[data-testid="${id}"]`);
export class RunControl {
  constructor(scenario, timeline, log, redraw, terminal) {
    this.scenario = scenario;
    this.timeline = timeline;
    this.log = log;
    this.redraw = redraw;
    this.terminal = terminal; // keeps the run's output, which events carry only in parts
    this.mode = null;
    this.socket = null;
    this.ended = false;
    this.auto = false;
    this.controllable = false; // holds the run's control token, as far as the server said
    this.runId = null;
    this.wantSeq = null; // a position asked for in the address (?seq=K), until it arrives
    this.token = null;
    this.refusedWith = null; // the server's refusal, kept over the close that follows it
    this.lesson = new LessonView(this, timeline);
    this.isLesson = false;
    byId("step-any").addEventListener("click", () => this.step(null));
    byId("auto").addEventListener("click", () => this.toggleAuto());
  }

  canStep() {
    return this.mode === "step" && !this.ended && this.socket !== null && this.controllable;
  }

  /** Whether this tab drives a run that has not ended: a new one would end it. */
  get live() {
    return this.socket !== null && !this.ended && this.controllable;
  }

  /** Before a new run ends the live one, the student chooses (a dialog; Escape keeps it). */
  async confirmNewRun() {
    if (!this.live) return true;
    const dialog = byId("confirm-new-run");
    dialog.returnValue = "";
    dialog.showModal();
    await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
    return dialog.returnValue === "new" || !this.live; // it may have ended meanwhile
  }

  /** Watch a run that exists already (its own address, /runs/ID), from its first event;
   * seq: the position to show once it has arrived, else the newest. */
  attach(id, mode, seq, lesson = false) {
    this.alert(null);
    this.terminal.reset(id);
    this.timeline.reset();
    this.log.clear();
    this.mode = mode;
    this.ended = false;
    this.runId = id;
    this.wantSeq = seq ?? "last";
    this.timeline.following = mode === "step" && seq === null;
    this.connect(id, `/ws/runs/${id}`, null);
    this.isLesson = lesson;
    if (lesson) {
      // A watcher follows the teacher, not the newest event; one sent to a position of its
      // own (?seq=K) starts there, browsing on its own.
      if (!this.controllable) this.timeline.following = false;
      this.lesson.begin({ teacher: this.controllable, following: seq === null });
    } else this.lesson.end();
    this.updateBars(this.timeline.pos);
  }

  connect(id, ws, givenToken) {
    this.socket = openRun(ws, {
      onEvents: (events) => this.received(events),
      onServerError: (error) => this.refused(error),
      onLesson: (message) => this.lesson.onMessage(message),
      onClose: () => this.closed(),
    });
    this.refusedWith = null;
    const token = tokenFor(id, givenToken);
    this.token = token;
    this.controllable = Boolean(token);
    if (token) this.socket.send({ op: "auth", token }); // first: the socket keeps the order
  }

  /** mode: "live", "step", or "lesson" (a step-mode run this page teaches). */
  async start(mode) {
    const lesson = mode === "lesson";
    if (lesson) mode = "step";
    this.stop();
    this.lesson.end();
    this.isLesson = false;
    this.alert(null);
    this.terminal.reset(null);
    this.timeline.reset();
    this.log.clear();
    this.mode = mode;
    this.timeline.following = mode === "step";
    this.ended = false;
    this.auto = false;
    byId("caption").textContent = t("run.connecting");
    let created;
    try {
      created = await startRun(this.scenario.name, this.params(), mode, lesson);
    } catch (error) {
      this.mode = null;
      byId("caption").textContent = "";
      this.alert(error);
      this.updateBars(this.timeline.pos);
      return;
    }
    this.terminal.reset(created.id);
    this.runId = created.id;
    this.wantSeq = null;
    // The run's own address from now on: a reload or a shared link comes back to it.
    history.replaceState(null, "", `/runs/${created.id}`);
    this.connect(created.id, created.ws ?? `/ws/runs/${created.id}`, created.control_token);
    this.isLesson = lesson;
    if (lesson) this.lesson.begin({ teacher: true });
    // Both modes start playing: a live run replays from its first event, a step-mode run
    // shows each step's events as they come.
    this.timeline.play();
    this.updateBars(this.timeline.pos);
  }

  received(events) {
    for (const ev of events) {
      this.log.add(ev);
      if (ev.type === "run.end") this.ended = true;
    }
    this.terminal.add(events); // before the timeline draws any of them
    this.timeline.add(events);
    this.reachWanted();
    this.lesson.onEvents();
    if (this.ended) {
      byId("notice").open = true;
      this.updateBars(this.timeline.pos);
    }
  }

  /** After a reload: go to the position the address names once its event is here (or to
   * the newest, for an address without one, following a step-mode run from there). */
  reachWanted() {
    const want = this.wantSeq;
    if (want === null) return;
    if (want === "last") {
      this.wantSeq = null;
      this.timeline.show(this.timeline.last);
      if (this.timeline.following && !this.ended) this.timeline.play();
    } else if (this.timeline.events[want] || this.ended) {
      this.wantSeq = null;
      this.timeline.show(Math.min(want, this.timeline.last));
    }
  }

  refused(error) {
    if (error.field === "token") {
      this.controllable = false; // watch and replay, but no run controls
      if (this.isLesson) this.lesson.watch();
      this.updateBars(this.timeline.pos);
      this.redraw();
      return;
    }
    // A refusal the page can word (too many viewers) in its own language; else the server's.
    const worded = error.message_key && has(error.message_key) ? t(error.message_key, error.message_values ?? {}) : null;
    this.refusedWith = worded;
    this.alert(new RunRefused(worded ?? t("run.server_error", { message: error.error })));
  }

  closed() {
    const wasOpen = this.socket !== null;
    this.socket = null;
    if (wasOpen && !this.ended && !this.refusedWith) this.alert(new RunRefused(t("run.connection_lost")));
    if (this.isLesson) this.lesson.end();
    this.redraw();
  }

  stop() {
    if (!this.socket) return;
    const socket = this.socket;
    this.socket = null;
    if (!this.ended) socket.send({ op: "kill" });
    socket.close();
  }

  /** This page hands its lesson on: its token works no more, so it forgets it. */
  giveUpControl() {
    if (this.runId) forgetToken(this.runId);
    this.token = null;
    this.controllable = false;
    this.timeline.following = false;
    this.updateBars(this.timeline.pos);
    this.redraw();
  }

  kill() {
    if (this.controllable) this.socket?.send({ op: "kill" });
  }

  step(pid) {
    if (!this.canStep()) return;
    this.socket.send(pid === null ? { op: "step" } : { op: "step", pid });
    this.timeline.play(); // follow what the step does
  }

  toggleAuto() {
    if (!this.canStep()) return;
    this.auto = !this.auto;
    this.socket.send(this.auto ? { op: "play", interval_ms: this.timeline.intervalMs } : { op: "pause" });
    if (this.auto) this.timeline.play();
    this.updateBars(this.timeline.pos);
  }

  /** The parameter fields, as the API wants them: numbers as numbers, checkboxes as bools. */
  params() {
    const values = {};
    for (const input of document.querySelectorAll('[data-testid="run-form"] [data-type]')) {
      if (input.dataset.type === "bool") values[input.name] = input.checked;
      else if (input.dataset.type === "str") values[input.name] = input.value;
      else values[input.name] = input.value.trim() !== "" && !Number.isNaN(Number(input.value)) ? Number(input.value) : input.value;
    }
    return values;
  }

  /** What the bars around the replay controls say and offer, for the run as it is now. */
  updateBars(index) {
    const live = this.socket !== null && !this.ended;
    const active = live && this.controllable;
    byId("no-control").hidden = !(live && !this.controllable) || this.isLesson;
    byId("stop").hidden = !active;
    byId("stepbar").hidden = !(this.mode === "step" && active);
    byId("follow-note").hidden = !(this.mode === "step" && active && index < this.timeline.last);
    const auto = byId("auto");
    auto.setAttribute("aria-pressed", String(this.auto));
    auto.querySelector("span").textContent = this.auto ? t("ctl.hold") : t("ctl.auto");
    const note = byId("mode-note");
    const key = this.mode === null ? null : this.mode === "live" ? "ctl.mode.live" : active ? "ctl.mode.step" : "ctl.mode.ended";
    note.textContent = key ? t(key) : "";
    note.dataset.mode = this.mode ?? "";
    const again = byId("run-live")?.querySelector("[data-i18n]");
    if (again) again.textContent = this.mode ? t("ctl.run_again") : t("ctl.run");
  }

  alert(error) {
    const box = byId("alert");
    if (!error) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const list = document.createElement("ul");
    for (const detail of error.details ?? []) {
      const item = document.createElement("li");
      if (detail.where) {
        item.append(Object.assign(document.createElement("code"), { textContent: detail.where }), t("err.where_sep"));
      }
      item.append(detail.what);
      list.append(item);
    }
    const summary = Object.assign(document.createElement("strong"), { textContent: error.message });
    box.replaceChildren(summary, ...(list.children.length ? [list] : []));
    box.dataset.status = String(error.status ?? "");
    box.hidden = false;
  }
}
