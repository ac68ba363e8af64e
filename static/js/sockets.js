// Unix sockets in kernel space (docs/events.md, "State: sockets"): a connected pair drawn as
// its two ends joined by their peer link, each with the queue of what waits to be received
// there (a stream's bytes as one run, a datagram socket's messages one block each), the files
// passed with SCM_RIGHTS and not yet received drawn in flight on that queue; a listener with
// its backlog; a lone socket with its state. Everything from the event's own state.

import { h } from "./dom.js";
import { dataText } from "./format.js";
import { t } from "./i18n.js";
import { callFd } from "./world.js";

export function renderSockets(container, ev) {
  if (!container) return;
  const rows = ev.state.sockets ?? [];
  const byId = new Map(rows.map((s) => [s.id, s]));
  const drawn = new Set();
  const out = [];
  for (const sock of rows) {
    if (drawn.has(sock.id)) continue;
    drawn.add(sock.id);
    const peer = sock.peer ? byId.get(sock.peer) : null;
    if (peer && !drawn.has(peer.id)) {
      drawn.add(peer.id);
      out.push(pair(sock, peer, ev));
    } else {
      out.push(lone(sock, ev, false));
    }
  }
  const gone = ev.state.gone?.sockets ?? [];
  out.push(...gone.map((s) => lone(s, ev, true)));
  container.replaceChildren(...out);
  container.hidden = out.length === 0;
}

/** Who holds this socket: "pid:fd" of every fd pointing at it. */
function holders(sock, ev) {
  const refs = ev.state.procs.flatMap((p) => p.fds.filter((f) => f.socket === sock.id).map((f) => `${p.pid}:${f.fd}`));
  return refs.length ? refs.join(" ") : t("sock.held_by_none");
}

function end(sock, ev) {
  return h(
    "div",
    { class: `sock-end state-${sock.state ?? "unknown"}`, "data-testid": "socket-end", dataset: { socket: sock.id, anchor: "socket" } },
    h("h4", {}, h("code", {}, sock.id)),
    h("p", { class: "sub" }, t("sock.held_by", { refs: holders(sock, ev) })),
    sock.path ? h("p", { class: "sock-path" }, t("sock.path", { path: sock.path })) : null,
    h("p", { class: "sock-state" }, t(`sock.state.${sock.state ?? "unknown"}`), sock.shutdown.length ? ` · ${t("sock.shutdown", { how: sock.shutdown.map((way) => t(`sock.shut.${way}`)).join(t("sock.shut.and")) })}` : ""),
  );
}

/** The queue of what waits to be received at `to`, sent from its peer. */
function queue(to, ev) {
  const flow = socketFlow(ev);
  const moved = flow && flow.socket === to.id ? flow : null;
  const items = [];
  if (to.messages) {
    for (const size of to.messages) items.push(h("span", { class: "msg", "data-testid": "socket-message", title: t("sock.message", { n: size }) }, String(size)));
  } else if (to.bytes) {
    items.push(h("span", { class: "stream", "data-testid": "socket-stream" }, t("sock.bytes", { n: to.bytes })));
  }
  for (const f of to.in_flight ?? []) {
    items.push(h("span", { class: "in-flight", "data-testid": "socket-in-flight", title: t("sock.in_flight_hint") }, "✉ ", h("code", {}, f.target ?? "?"), ` ${t("sock.in_flight")}`));
  }
  const label =
    to.bytes === null ? t("sock.queue_unknown") : to.messages ? t("sock.queue_messages", { n: to.messages.length, bytes: to.bytes }) : t("sock.queue_bytes", { bytes: to.bytes });
  return h(
    "div",
    { class: `sock-queue${moved ? ` moved-${moved.dir}` : ""}`, "data-testid": "socket-queue", dataset: { to: to.id, bytes: to.bytes ?? "" } },
    h("p", { class: "queue-label" }, t("sock.queue_to", { id: to.id }), " — ", label),
    h("div", { class: "queue-items" }, items.length ? items : h("span", { class: "none" }, t("sock.queue_empty"))),
    moved ? h("p", { class: `delta ${moved.dir}` }, `${moved.dir === "in" ? "+" : "−"}${ev.ret} `, h("code", {}, dataText(ev))) : null,
  );
}

function pair(a, b, ev) {
  return h(
    "article",
    { class: "socket-pair", "data-testid": "socket-pair", "aria-label": t("sock.pair", { type: typeName(a) }) },
    h("header", {}, h("h3", {}, t("sock.pair", { type: typeName(a) })), h("p", { class: "sub" }, t(`sock.type_hint.${a.type ?? "unknown"}`))),
    h(
      "div",
      { class: "pair-body" },
      end(a, ev),
      h("div", { class: "queues" }, h("div", { class: "peer-link", "aria-hidden": "true" }, t("sock.peer_link")), queue(b, ev), queue(a, ev)),
      end(b, ev),
    ),
  );
}

function lone(sock, ev, gone) {
  const listening = sock.state === "listening";
  return h(
    "article",
    { class: `socket-lone${gone ? " freed" : ""}`, "data-testid": gone ? "socket-gone" : "socket", dataset: { socket: sock.id } },
    h("header", {}, h("h3", {}, t(listening ? "sock.listener" : "sock.socket", { type: typeName(sock) }))),
    end(sock, ev),
    listening
      ? h(
          "p",
          { class: "backlog", "data-testid": "socket-backlog" },
          t("sock.backlog", { n: sock.backlog?.length ?? 0, max: sock.max_backlog ?? "?" }),
          ...(sock.backlog ?? []).map((c) => h("code", { class: "pending" }, c ?? t("sock.client_gone"))),
        )
      : sock.peer === null && sock.state === "connected"
        ? h("p", { class: "sub" }, t("sock.peer_unheld"))
        : null,
    !listening && sock.bytes !== null && (sock.bytes > 0 || sock.in_flight?.length) ? queue(sock, ev) : null,
    gone ? h("p", { class: "pipe-state" }, t("sock.freed")) : null,
  );
}

function typeName(sock) {
  return sock.type ? t(`sock.type.${sock.type}`) : "?";
}

/** Whether the event moved bytes into or out of a socket's queue: {dir, socket}. */
export function socketFlow(ev) {
  if (ev.type !== "call.return" || ev.ret <= 0) return null;
  const row = callFd(ev);
  if (!row?.socket) return null;
  const sock = (ev.state.sockets ?? []).find((s) => s.id === row.socket);
  if (["send", "sendmsg", "write"].includes(ev.call)) return sock?.peer ? { dir: "in", socket: sock.peer } : null;
  if (["recv", "recvmsg", "read"].includes(ev.call)) return { dir: "out", socket: row.socket };
  return null;
}

/** The caption for a socket call's return or block, or null when the call is not one. */
export function narrateSocket(ev, name) {
  const a = ev.args ?? {};
  if (ev.type === "call.block") {
    const sock = ev.blocked_on?.socket;
    if (!sock) return null;
    const key = `sock.say.block.${ev.call}`;
    return t(t(key) === key ? "sock.say.block" : key, { who: name, call: ev.call, fd: ev.blocked_on.fd, socket: sock, wchan: ev.blocked_on.wchan });
  }
  if (ev.type !== "call.return" || ev.ret < 0) return null;
  const data = dataText(ev, 40);
  switch (ev.call) {
    case "socketpair":
      return t("sock.say.socketpair", { who: name, a: a.fds?.[0], b: a.fds?.[1], type: a.type });
    case "socket":
      return t("sock.say.socket", { who: name, fd: ev.ret, type: a.type });
    case "bind":
      return t("sock.say.bind", { who: name, fd: a.fd, path: a.path });
    case "listen":
      return t("sock.say.listen", { who: name, fd: a.fd, backlog: a.backlog });
    case "connect":
      return t("sock.say.connect", { who: name, fd: a.fd, path: a.path });
    case "accept":
      return t("sock.say.accept", { who: name, fd: ev.ret });
    case "send":
      return t("sock.say.send", { who: name, n: ev.ret, data });
    case "recv":
      return ev.ret === 0 ? t("sock.say.recv_eof", { who: name }) : t("sock.say.recv", { who: name, n: ev.ret, data });
    case "sendmsg":
      return a.rights?.length ? t("sock.say.sendmsg_rights", { who: name, fds: a.rights.join(", "), targets: (a.rights_targets ?? []).join(", ") }) : t("sock.say.send", { who: name, n: ev.ret, data });
    case "recvmsg":
      return a.received?.length ? t("sock.say.recvmsg_rights", { who: name, fds: a.received.join(", "), targets: (a.received_targets ?? []).join(", ") }) : t("sock.say.recv", { who: name, n: ev.ret, data });
    case "shutdown":
      return t("sock.say.shutdown", { who: name, fd: a.fd, how: a.how });
    default:
      return null;
  }
}
