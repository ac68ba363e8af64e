// Starting a run over HTTP, and turning a refusal into words a student can act on, with the
// server's own message kept verbatim.

import { has, t } from "./i18n.js";

export class RunRefused extends Error {
  constructor(summary, details = [], status = 0) {
    super(summary);
    this.details = details; // each problem: {where (a field, as code), what (in words)}
    this.status = status;
  }
}

export async function startRun(scenario, params, mode, lesson = false) {
  let response;
  try {
    response = await fetch("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ scenario, params, mode, ...(lesson ? { lesson: true } : {}) }),
    });
  } catch {
    throw new RunRefused(t("err.network"));
  }
  const body = await response.json().catch(() => null);
  if (response.ok) return body;
  throw refusal(response, body);
}

function refusal(response, body) {
  const details = messages(body?.detail ?? body?.error ?? body?.message);
  if (response.status === 429) {
    const seconds = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
    const summary = Number.isFinite(seconds) ? t("err.limit", { seconds }) : t("err.limit_nosec");
    return new RunRefused(summary, details, 429);
  }
  if (response.status === 422) return new RunRefused(t("err.invalid"), details, 422);
  if (response.status === 404) return new RunRefused(t("err.not_found"), details, 404);
  return new RunRefused(t("err.http", { status: response.status }), details, response.status);
}

/** FastAPI's detail is a string, or a list of {loc, msg}; each becomes {where, what}. A
 * problem whose type is a key of the strings table (argv.* for an argument a program may not
 * take), or one of the validator's own types (err.type.int_type, ...), is worded in the page's
 * language from its ctx; any other keeps the server's words. */
function messages(detail) {
  if (!detail) return [];
  if (typeof detail === "string") return [{ where: "", what: detail }];
  if (!Array.isArray(detail)) return [{ where: "", what: JSON.stringify(detail) }];
  return detail.map((item) => {
    if (typeof item === "string") return { where: "", what: item };
    const where = (item.loc ?? []).filter((part) => part !== "body").join(" → ");
    const key = has(item.type) ? item.type : has(`err.type.${item.type}`) ? `err.type.${item.type}` : null;
    const what = key ? t(key, item.ctx ?? {}) : item.msg;
    return { where, what: what ?? JSON.stringify(item) };
  });
}
