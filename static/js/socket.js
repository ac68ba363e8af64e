// The run's WebSocket: events in (one object or an array per message), a lesson's notes
// and error replies beside them, control ops out.

export function openRun(wsPath, { onEvents, onServerError, onLesson, onClose }) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${wsPath}`);
  const pending = [];
  socket.addEventListener("open", () => {
    while (pending.length) socket.send(pending.shift());
  });
  socket.addEventListener("message", (message) => {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    if (Array.isArray(data)) onEvents(data);
    else if (data && data.error) onServerError(data);
    else if (data && typeof data.lesson === "string") onLesson?.(data); // a lesson's note
    else if (data && typeof data.seq === "number") onEvents([data]);
  });
  socket.addEventListener("close", (event) => onClose(event));
  return {
    send(op) {
      const text = JSON.stringify(op);
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else if (socket.readyState === WebSocket.CONNECTING) pending.push(text);
    },
    close() {
      socket.close();
    },
  };
}
