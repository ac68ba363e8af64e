// Icons from static/icons.svg (drawn, not font glyphs, so every system shows them).

import { h } from "./dom.js";

export function icon(name) {
  return h("svg", { class: `i i-${name}`, "aria-hidden": "true", focusable: "false" }, h("use", { href: `/static/icons.svg#${name}` }));
}
