// Words for shared memory's steps: how a call reads in the log (C-like), and what the
// caption says it did. Loads and stores are no system calls: the captions say so.

import { t } from "./i18n.js";

const SHM_CALLS = new Set(["mmap", "munmap", "msync", "load", "store", "sem_init", "sem_wait", "sem_post", "memfd_create", "ftruncate"]);

const spaced = (hex) => (hex ?? "").match(/../g)?.join(" ") ?? "";

/** The call as the log shows it, or null when it is not one of shared memory's. */
export function shmCallText(ev) {
  const a = ev.args ?? {};
  const done = ev.type === "call.return" && ev.ret >= 0;
  const at = `${a.map}+${a.offset ?? 0}`;
  switch (ev.call) {
    case "mmap":
      return `mmap(NULL, ${a.length}, ${a.prot}, ${a.flags}, ${a.fd}, ${a.offset ?? 0})`;
    case "munmap":
      return `munmap(${a.addr ?? a.map}${a.length ? `, ${a.length}` : ""})`;
    case "msync":
      return `msync(${a.map}, ${a.flags})`;
    case "load":
      return `load(${at}, ${a.length})${done ? ` → ${spaced(a.hex)}${a.value !== null && a.value !== undefined ? ` (${a.value})` : ""}` : ""}`;
    case "store": {
      const what = a.hex !== undefined ? spaced(a.hex) : a.from_load ? `v + ${a.add}` : "…";
      return `store(${at}, ${what}${a.value !== null && a.value !== undefined ? ` (${a.value})` : ""})`;
    }
    case "sem_init":
      return `sem_init(&${at}, ${a.pshared}, ${a.value})`;
    case "sem_wait":
    case "sem_post":
      return `${ev.call}(&${at})`;
    default:
      return null;
  }
}

/** " = 0x7f..." for an address, else null (the usual " = N"). */
export function shmReturnText(ev) {
  return ev.call === "mmap" && ev.ret > 0 ? ` = 0x${ev.ret.toString(16)}` : null;
}

/** The caption for one of shared memory's events, or null for another kind's. */
export function shmSentence(ev, name) {
  if (!SHM_CALLS.has(ev.call) || !["call.return", "call.block"].includes(ev.type)) return null;
  const a = ev.args ?? {};
  const row = (ev.state.mappings ?? []).find((m) => m.name === a.map && m.views.some((v) => v.pid === ev.pid));
  if (ev.type === "call.block") {
    return ev.call === "sem_wait" ? t("say.shm.block.sem_wait", { who: name, map: a.map, offset: a.offset ?? 0 }) : null;
  }
  if (ev.ret === -1) return null; // the usual error sentence
  const values = { who: name, map: a.map, offset: a.offset ?? 0, n: ev.ret, hex: spaced(a.hex), value: a.value ?? "" };
  switch (ev.call) {
    case "mmap":
      return t(`say.shm.mmap.${a.flags?.includes("MAP_SHARED") ? "shared" : "private"}`, {
        ...values,
        size: a.length,
        addr: a.addr ?? "?",
        path: row?.path ?? t("shm.backing.anon"),
      });
    case "load":
      return t("say.shm.load", values);
    case "store": {
      const shared = row?.share === "shared" && row.views.length > 1;
      const split = row?.share === "private" && (row.split ?? []).some((s) => s === true);
      const then = shared ? "say.shm.store.shared" : split ? "say.shm.store.split" : "say.shm.store.alone";
      return t("say.shm.store", values) + t("say.sep") + t(then, { n: row?.views.length ?? 1 });
    }
    case "munmap":
      return t("say.shm.munmap", values);
    case "msync":
      return t("say.shm.msync", values);
    case "sem_init":
      return t("say.shm.sem_init", values);
    case "sem_wait":
      return t(ev.blocked ? "say.shm.sem_wait.woken" : "say.shm.sem_wait", values);
    case "sem_post":
      return t("say.shm.sem_post", values);
    case "memfd_create":
      return t("say.shm.memfd_create", { ...values, fd: ev.ret, name: a.name });
    case "ftruncate":
      return t("say.shm.ftruncate", { ...values, fd: a.fd, length: a.length });
    default:
      return null;
  }
}
