// The editor of a student's own C program: line numbers beside a plain textarea, Run and
// Step, and gcc's diagnostics put on their lines. A run that compiles opens on its own page
// (/runs/ID), which keeps its controls through the token in this tab's session storage.

import { $, h } from "./dom.js";
import { applyStatic, initLang, onLangChange, t } from "./i18n.js";

const byId = (id) => $(`[data-testid="${id}"]`);
const source = byId("c-source");
const gutter = byId("gutter");
const errorsBox = byId("paste-errors");
const status = byId("paste-status");
const POLL_MS = 100;
let diagnostics = [];

function drawGutter() {
  const count = source.value.split("\n").length;
  const marked = new Map();
  for (const d of diagnostics) if (d.line && !marked.has(d.line)) marked.set(d.line, d.severity);
  gutter.replaceChildren(
    ...Array.from({ length: count }, (_, i) => {
      const severity = marked.get(i + 1);
      return h(
        "li",
        { class: severity ? `mark-${severity}` : "", "data-testid": "gutter-line", dataset: { line: i + 1, ...(severity ? { severity } : {}) } },
        String(i + 1),
      );
    }),
  );
  gutter.scrollTop = source.scrollTop;
}

/** Put the caret at the start of `line` (1-based), so the keyboard lands where gcc points. */
function goToLine(line) {
  const lines = source.value.split("\n");
  const at = lines.slice(0, line - 1).reduce((n, text) => n + text.length + 1, 0);
  source.focus();
  source.setSelectionRange(at, at + (lines[line - 1]?.length ?? 0));
}

function showDiagnostics() {
  drawGutter();
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (!diagnostics.length) {
    errorsBox.hidden = true;
    errorsBox.replaceChildren();
    return;
  }
  const items = diagnostics.map((d) =>
    h(
      "li",
      { class: `diag ${d.severity}`, "data-testid": "diagnostic", dataset: { line: d.line ?? "", severity: d.severity } },
      d.line
        ? h("button", { type: "button", class: "at", "data-testid": "diagnostic-line", onclick: () => goToLine(d.line) },
            t("paste.at_line", { line: d.line, column: d.column ?? 1 }))
        : h("span", { class: "at" }, t("paste.no_line")),
      " ",
      h("span", { class: "severity" }, t(`paste.severity.${d.severity}`)),
      " ",
      h("code", { class: "gcc", lang: "en" }, d.message), // gcc's words, as gcc wrote them
    ),
  );
  errorsBox.replaceChildren(h("p", {}, t("paste.errors", { count: errors })), h("ul", {}, ...items));
  errorsBox.hidden = false;
}

async function start(mode) {
  status.textContent = t("paste.compiling");
  diagnostics = [];
  showDiagnostics();
  let response;
  try {
    response = await fetch("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ c_source: source.value, mode }),
    });
  } catch {
    status.textContent = t("err.network");
    return;
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = Array.isArray(body?.detail) ? body.detail : [];
    status.textContent = detail.map((d) => (d.type && t(d.type, d.ctx ?? {}) !== d.type ? t(d.type, d.ctx ?? {}) : d.msg)).join("; ") || t("err.http", { status: response.status });
    return;
  }
  try {
    sessionStorage.setItem(`pipescope.token.${body.id}`, body.control_token);
  } catch {
    /* storage refused: the run page will show it without controls */
  }
  for (;;) {
    const events = await (await fetch(`/api/runs/${body.id}/events?limit=5`)).json();
    const compiled = events.find((e) => e.type === "compile");
    const ended = events.find((e) => e.type === "run.end");
    if (compiled?.ok || (ended && !compiled)) {
      const lang = new URLSearchParams(location.search).get("lang");
      location.assign(`/runs/${body.id}${lang ? `?lang=${lang}` : ""}`);
      return;
    }
    if (compiled) {
      status.textContent = "";
      diagnostics = compiled.diagnostics;
      showDiagnostics();
      return;
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

byId("paste-form").addEventListener("submit", (event) => {
  event.preventDefault();
  start(event.submitter?.value === "step" ? "step" : "live");
});
source.addEventListener("input", drawGutter);
source.addEventListener("scroll", () => (gutter.scrollTop = source.scrollTop));
source.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    start("live");
  }
});
initLang();
applyStatic();
onLangChange(() => showDiagnostics());
drawGutter();
