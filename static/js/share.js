// Taking a run elsewhere from its page: "copy link to this step" (/runs/ID?seq=K, which
// opens the run at this step), "copy embed code" (an <iframe> of /embed/ID?seq=K for slides
// and course pages) and the exports of a finished run (GET /api/runs/ID/export?format=F,
// plain downloads). Where the browser will not let the page write the clipboard (an origin
// that is not secure, a permission refused), the text waits in a field, selected, to be
// copied by hand.

import { getLang, pick, t } from "./i18n.js";

export const EMBED_SIZE = { width: 800, height: 450 };

/** The absolute address of a run at one step. */
export function stepLink(runId, seq) {
  return `${location.origin}/runs/${encodeURIComponent(runId)}?seq=${seq}`;
}

/** The embed's address at one step, in a language (the embed has no switch of its own). */
export function embedLink(runId, seq, lang) {
  return `${location.origin}/embed/${encodeURIComponent(runId)}?seq=${seq}&lang=${lang}`;
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const attr = (text) => text.replace(/[&<>"]/g, (c) => ESCAPES[c]);

/** HTML to paste into a page: the embed at this step, framed, titled for screen readers. */
export function embedCode(runId, seq, title) {
  const src = embedLink(runId, seq, getLang());
  const { width, height } = EMBED_SIZE;
  const named = t("embed.frame_title", { title });
  return `<iframe src="${attr(src)}" title="${attr(named)}" width="${width}" height="${height}" style="border: 0" loading="lazy"></iframe>`;
}

/** shown(): {runId, seq, ended} of the step on screen, or null. Returns the update to call
 * after every move. */
export function bindShare(root, shown, scenario) {
  const el = (id) => root.querySelector(`[data-testid="${id}"]`);
  const [status, fallback, field, exports] = ["share-status", "share-fallback", "share-text", "export"].map(el);
  let saidFor = null; // the step a confirmation speaks of: moving on clears it

  // data-i18n: a switch of language words it again (i18n.js).
  function say(key) {
    if (key) status.dataset.i18n = key;
    else delete status.dataset.i18n;
    status.textContent = key ? t(key) : "";
  }

  async function copy(text, copiedKey) {
    const step = shown();
    saidFor = step && `${step.runId}:${step.seq}`;
    try {
      await navigator.clipboard.writeText(text); // undefined on an insecure origin: caught
      fallback.hidden = true;
      say(copiedKey);
    } catch {
      field.value = text;
      fallback.hidden = false;
      say("share.copy_refused");
      field.focus();
      field.select();
    }
  }

  el("copy-link").addEventListener("click", () => {
    const step = shown();
    if (step) copy(stepLink(step.runId, step.seq), "share.link_copied");
  });
  el("copy-embed").addEventListener("click", () => {
    const step = shown();
    if (step) copy(embedCode(step.runId, step.seq, pick(scenario.title)), "share.embed_copied");
  });

  return function update() {
    const step = shown();
    root.hidden = !step;
    if (!step) return;
    if (saidFor !== `${step.runId}:${step.seq}`) {
      say(null);
      fallback.hidden = true;
      saidFor = null;
    }
    exports.hidden = !step.ended; // a run still going has not recorded all it will
    for (const link of exports.querySelectorAll("a[data-format]")) {
      link.href = `/api/runs/${encodeURIComponent(step.runId)}/export?format=${link.dataset.format}`;
    }
  };
}
