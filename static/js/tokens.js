// The control token of a run this tab started or was handed (a lesson's control link): kept
// in the tab's session storage, so it stays with the tab and no other.

const TOKEN_KEY = (id) => `pipescope.token.${id}`;

/** The control token of a run this tab started (POST /api/runs gives it once), if any. */
export function tokenFor(id, given) {
  try {
    if (given) sessionStorage.setItem(TOKEN_KEY(id), given);
    return given ?? sessionStorage.getItem(TOKEN_KEY(id));
  } catch {
    return given ?? null; // storage refused (privacy settings): this page still has it
  }
}

export function forgetToken(id) {
  try {
    sessionStorage.removeItem(TOKEN_KEY(id));
  } catch {
    // storage refused: nothing was kept
  }
}

/** A lesson's control link carries its token in the fragment (/runs/ID#control=T), which no
 * browser sends: keep it in this tab's session storage and take it out of the address bar,
 * so it is neither bookmarked, shared by a copied address, nor left on the projector. */
export function takeControlLink(id) {
  const found = /^#control=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!found) return;
  tokenFor(id, found[1]);
  history.replaceState(null, "", location.pathname + location.search);
}
