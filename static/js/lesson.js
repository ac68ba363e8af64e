// A lesson on the run page. The teacher's page (it holds the control token) shows the watch
// link and its QR code, how many follow, and "hand on"; it reports each position it comes
// to and sends a heartbeat while open. A watcher's page follows the teacher's position,
// detaches when its student moves on their own, and rejoins with F or a button.

import { $ } from "./dom.js";
import { onLangChange, t } from "./i18n.js";

const byId = (id) => $(`[data-testid="${id}"]`);
const REPORT_MS = 150; // positions go out at most this often (a slider drag is many moves)

export class LessonView {
  /** run: the RunControl (its socket and token); timeline: where the page looks. */
  constructor(run, timeline) {
    this.run = run;
    this.timeline = timeline;
    this.heartbeat = null;
    this.reportTimer = null;
    this.end();
    timeline.ownMove = () => this.detach();
    byId("rejoin").addEventListener("click", () => this.rejoin());
    byId("hand-on").addEventListener("click", () => this.handOn());
    byId("copy-watch-link").addEventListener("click", () => this.copyWatchLink());
    document.addEventListener("keydown", (event) => this.onKey(event));
    onLangChange(() => this.paint());
  }

  /** A lesson is shown: as its teacher (a page that holds the token, until the server says
   * otherwise) or as a watcher, following or not. */
  begin({ teacher, following = true }) {
    this.end();
    this.following = following;
    if (teacher) this.role = "pending"; // the server's audience note makes it "teacher"
    else this.watch();
  }

  /** No lesson (another run on this page): nothing shown, nothing sent. */
  end() {
    clearInterval(this.heartbeat);
    clearTimeout(this.reportTimer);
    this.heartbeat = this.reportTimer = null;
    this.role = null; // "teacher", "watcher", or "pending" (a token the server has not taken yet)
    this.following = true;
    this.teacherAt = null; // the teacher's last position, kept while browsing alone
    this.audience = null;
    this.reportAt = 0;
    this.reported = null;
    this.qrLoaded = false;
    byId("lesson-teacher").hidden = byId("lesson-watcher").hidden = byId("handed-on").hidden = true;
  }

  get watchUrl() {
    return `${location.origin}/runs/${this.run.runId}?follow=1`;
  }

  /** The page holds no (working) token: it watches. */
  watch() {
    this.role = "watcher";
    clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (!this.following) this.run.socket?.send({ op: "follow", following: false });
    this.paint();
  }

  /** A message of the lesson from the server (app/lesson_ws.py). */
  onMessage(message) {
    if (this.role === null) return;
    if (message.lesson === "audience") this.teach(message);
    else if (message.lesson === "position") {
      const first = this.teacherAt === null;
      this.teacherAt = message.seq;
      if (this.following && this.role === "watcher") this.goToTeacher();
      if (first) this.paint();
    }
  }

  teach(audience) {
    const first = this.role !== "teacher";
    this.role = "teacher";
    this.audience = audience;
    if (first) {
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.run.socket?.send({ op: "heartbeat" }), audience.heartbeat_s * 1000);
      this.reported = null;
      this.report();
      this.loadQr();
    }
    this.paint();
  }

  /** New events came: a follower waiting for the teacher's event goes there now. */
  onEvents() {
    if (this.role === "watcher" && this.following && this.teacherAt !== null) this.goToTeacher();
  }

  goToTeacher() {
    const seq = this.teacherAt;
    if (!this.timeline.events[seq] || this.timeline.pos === seq) return;
    this.timeline.show(seq);
  }

  /** The teacher's page moved: its class goes along (the newest position, at most one
   * report per REPORT_MS). */
  report() {
    if (this.role !== "teacher" || this.reportTimer) return;
    const wait = this.reportAt + REPORT_MS - performance.now();
    this.reportTimer = setTimeout(() => this.sendPosition(), Math.max(0, wait));
  }

  sendPosition() {
    this.reportTimer = null;
    this.reportAt = performance.now();
    const ev = this.timeline.events[this.timeline.pos];
    if (!ev || ev.seq === this.reported || this.role !== "teacher") return;
    this.reported = ev.seq;
    this.run.socket?.send({ op: "position", seq: ev.seq });
  }

  detach() {
    if (this.role !== "watcher" || !this.following) return;
    this.following = false;
    this.run.socket?.send({ op: "follow", following: false });
    this.paint();
  }

  rejoin() {
    if (this.role !== "watcher" || this.following) return;
    this.following = true;
    this.run.socket?.send({ op: "follow", following: true }); // the server sends the position
    if (this.teacherAt !== null) this.goToTeacher();
    this.paint();
  }

  onKey(event) {
    if (event.key !== "f" && event.key !== "F") return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.matches?.("input:not([type=range]):not([type=checkbox]), select, textarea, [contenteditable]")) return;
    if (this.role !== "watcher") return;
    event.preventDefault();
    this.rejoin();
  }

  async loadQr() {
    if (this.qrLoaded) return;
    this.qrLoaded = true;
    const response = await fetch(`/api/runs/${this.run.runId}/watch.svg`).catch(() => null);
    if (!response?.ok) {
      this.qrLoaded = false;
      return;
    }
    const doc = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") return;
    svg.setAttribute("aria-hidden", "true"); // its box has the label
    byId("lesson-qr").replaceChildren(document.importNode(svg, true));
  }

  async copyWatchLink() {
    try {
      await navigator.clipboard.writeText(this.watchUrl);
      byId("copy-watch-link").textContent = t("lesson.copied");
    } catch {
      // no clipboard here (an insecure origin, a refusal): the link is on the page to copy
    }
  }

  /** A new control link for a colleague; this page gives up its own and watches. */
  async handOn() {
    const token = this.run.token;
    if (!token) return;
    const response = await fetch(`/api/runs/${this.run.runId}/hand-on`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: "{}",
    }).catch(() => null);
    if (!response?.ok) return;
    const links = await response.json();
    this.run.giveUpControl();
    byId("control-link").textContent = `${location.origin}${links.control_url}`;
    byId("handed-on").hidden = false;
    this.following = true;
    this.watch();
  }

  paint() {
    if (this.role === null) return;
    const teacher = this.role === "teacher";
    const panel = byId("lesson-teacher");
    panel.hidden = !teacher && byId("handed-on").hidden;
    for (const el of panel.querySelectorAll(".lesson-links, [data-i18n='lesson.teaching']")) el.hidden = !teacher;
    const link = byId("watch-link");
    link.href = this.watchUrl;
    link.textContent = this.watchUrl;
    if (this.audience) byId("lesson-audience").textContent = t("lesson.audience", this.audience);
    const bar = byId("lesson-watcher");
    bar.hidden = this.role !== "watcher";
    bar.dataset.following = String(this.following);
    const state = this.following ? (this.teacherAt === null ? "lesson.waiting" : "lesson.following") : "lesson.detached";
    byId("follow-state").textContent = t(state);
    byId("rejoin").hidden = this.following;
  }
}
