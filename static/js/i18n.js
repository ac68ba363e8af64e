// Language: English or 简体中文. The table is the same file the server renders from
// (static/i18n/strings.json), embedded in the page. The choice is kept in localStorage
// and in a cookie, so the next server-rendered page already speaks it.

const TABLE = JSON.parse(document.getElementById("strings").textContent);
const STORE_KEY = "pipescope.lang";
const listeners = [];
let lang = document.documentElement.dataset.lang === "zh" ? "zh" : "en";

export function getLang() {
  return lang;
}

/** The UI string for key, with {name} placeholders filled from values. */
export function t(key, values = {}) {
  const entry = TABLE[key];
  if (!entry) return key;
  let text = entry[lang] ?? entry.en;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** Whether the table has a string for key. */
export function has(key) {
  return typeof key === "string" && Object.hasOwn(TABLE, key);
}

/** A {en, zh} text (a scenario's title, summary, ...) in the current language. */
export function pick(text) {
  if (!text || typeof text === "string") return text ?? "";
  return text[lang] ?? text.en ?? "";
}

export function onLangChange(listener) {
  listeners.push(listener);
}

export function setLang(next) {
  if (next !== "en" && next !== "zh") return;
  lang = next;
  try {
    localStorage.setItem(STORE_KEY, next);
  } catch {
    // Storage may be disabled; the cookie still carries the choice.
  }
  document.cookie = `lang=${next}; path=/; max-age=31536000; samesite=lax`;
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  document.documentElement.dataset.lang = next;
  applyStatic();
  for (const listener of listeners) listener(next);
}

/** Re-translate the server-rendered parts: data-i18n keys and data-en/data-zh pairs. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n, placeholders(el));
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll("[data-en][data-zh]")) el.replaceChildren(...prose(el.dataset[lang]));
  for (const link of root.querySelectorAll(".lang-switch [data-lang]")) {
    if (link.dataset.lang === lang) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

/** A scenario's text as nodes: its `code` spans (app/templating.py's prose) become <code>. */
export function prose(text) {
  return text.split("`").map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  });
}

// data-i18n-min="0" data-i18n-max="9" fill {min} and {max}.
function placeholders(el) {
  const values = {};
  for (const [name, value] of Object.entries(el.dataset)) {
    if (name.startsWith("i18n") && name.length > 4 && name !== "i18nTitle" && name !== "i18nAria") {
      values[name.slice(4).toLowerCase()] = value;
    }
  }
  return values;
}

/** Wire the switch links (they also work without scripts: ?lang=zh) and honour a stored choice. */
export function initLang() {
  for (const link of document.querySelectorAll(".lang-switch [data-lang]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      setLang(link.dataset.lang);
    });
  }
  let stored = null;
  try {
    stored = localStorage.getItem(STORE_KEY);
  } catch {
    stored = null;
  }
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked === "en" || asked === "zh") setLang(asked);
  else if (stored && stored !== lang) setLang(stored);
}
