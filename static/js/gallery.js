// The gallery: only the language switch needs a script; each Run button is a plain form.

import { initLang } from "./i18n.js";

initLang();
