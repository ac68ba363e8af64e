// A run's recorded events over the REST API, for a page that only watches (the embed):
// GET /api/runs/{id}/events a page at a time (an answer's Link header names the next), and,
// while the run has not ended, again every POLL_MS after the newest. No WebSocket: a reader
// here holds no token, sends no control, and is none of the viewers a run counts
// (PIPESCOPE_MAX_VIEWERS_PER_RUN), so a class of a hundred can open one embed.

export const POLL_MS = 1000;
const RETRY_MS = 3000; // the network gone: try again, without hurrying a server in trouble
const PAGE = 5000; // the most the API gives at once
const NEXT = /<([^>]+)>\s*;\s*rel="next"/;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Read every event of the run, in order, until `run.end`. onEvents(events) for each page;
 * onTrouble(null) once things are well again, onTrouble({status}) for an HTTP refusal (the
 * reading stops: 404, the run is no longer kept), onTrouble({network: true}) while the
 * server cannot be reached (the reading goes on trying). */
export async function followEvents(runId, { onEvents, onTrouble }) {
  const from = (after) => `/api/runs/${encodeURIComponent(runId)}/events?after=${after}&limit=${PAGE}`;
  let url = from(-1);
  let last = -1;
  let troubled = false;
  for (;;) {
    let response;
    let events;
    try {
      response = await fetch(url, { headers: { accept: "application/json" } });
      events = response.ok ? await response.json() : null;
    } catch {
      troubled = true;
      onTrouble({ network: true });
      await sleep(RETRY_MS);
      continue;
    }
    if (!response.ok) {
      onTrouble({ status: response.status });
      return;
    }
    if (troubled) onTrouble(null);
    troubled = false;
    if (events.length) {
      last = events[events.length - 1].seq;
      onEvents(events);
      if (events[events.length - 1].type === "run.end") return;
    }
    const next = NEXT.exec(response.headers.get("link") ?? "");
    if (next) {
      url = next[1];
      continue;
    }
    await sleep(POLL_MS); // a run still going: what it records next
    url = from(last);
  }
}
