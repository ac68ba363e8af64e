// Orthogonal routes for the lines from fd rows down to the kernel objects they point at, so
// that no two lines share a segment and none crosses a card, a label or another box. Each
// line leaves its card sideways at its row, runs down its own lane in the gutter beside the
// card, turns in a band of its own (below the cards, or in kernel space under its labels),
// and drops onto its own point of the target's top edge. Pure geometry: rectangles in, points
// out (stage coordinates); wires.js measures the page and draws what this returns.

const MIN_GAP = 3.5; // the closest two parallel lines may run, in px (a line is 2.2 px wide)

/**
 * lines: [{card, row, target}], rects ({left, top, right, bottom}). geo: gap (between lines),
 * user (user space's rect), cards (rects), userFloor (the lowest card's bottom), userBottom
 * (the boundary, or its label's top), kernelTop (below kernel space's label), kernelFloor
 * (the first kernel box's top), obstacles ([{rect}]: labels and boxes, targets included).
 * Returns {paths: [[x, y], ...] per line, room: {left, right, user, kernel}}: the px each
 * margin or band lacked (the caller widens them and routes again).
 */
export function route(lines, geo) {
  const gap = geo.gap;
  const taken = { v: [], h: [] };
  const room = { left: 0, right: 0, user: 0, kernel: 0 };
  const plans = lines.map((line) => plan(line, geo));
  assignLanes(plans, geo, gap, room);
  for (const p of plans) taken.h.push({ at: p.y0, a: Math.min(p.sx, p.lane), b: Math.max(p.sx, p.lane) });
  assignEntries(plans, gap);
  const bandU = { top: geo.userFloor + gap, bottom: geo.userBottom - gap - 2 };
  const bandK = { top: geo.kernelTop + gap, bottom: geo.kernelFloor - gap };
  // Lines turning the same way nest instead of crossing: of those going right the leftmost
  // lane turns lowest in the band, of those going left the rightmost.
  const rightward = plans.filter((p) => p.entry >= p.lane).sort((a, b) => a.lane - b.lane);
  const leftward = plans.filter((p) => p.entry < p.lane).sort((a, b) => b.lane - a.lane);
  const order = [...rightward, ...leftward];
  for (const p of order) p.path = shape(p, geo, taken, bandU, bandK, gap, room);
  return { paths: plans.map((p) => p.path), room };
}

function plan(line, geo) {
  const { card, row, target } = line;
  const cx = (target.left + target.right) / 2;
  const side = cx > (card.left + card.right) / 2 ? "right" : "left";
  const y0 = (row.top + row.bottom) / 2;
  const sx = side === "right" ? card.right : card.left;
  // The gutter: from the card's edge to the next card (or the stage's edge) on that side.
  let lo = side === "right" ? card.right : geo.user.left;
  let hi = side === "right" ? geo.user.right : card.left;
  for (const other of geo.cards) {
    if (other === card || other.bottom < y0 || other.top > geo.userBottom) continue;
    if (side === "right" && other.left >= card.right - 1) hi = Math.min(hi, other.left);
    if (side === "left" && other.right <= card.left + 1) lo = Math.max(lo, other.right);
  }
  return { target, side, y0, sx, lo, hi };
}

// Each line's lane: the free x nearest its card, in the gutter on the side it leaves by, that
// no lane already placed uses over the same heights. The lowest rows go first and take the
// lanes nearest their cards, so the stubs of the rows above pass no lane already going down.
function assignLanes(plans, geo, gap, room) {
  const lanes = [];
  const bottom = geo.kernelFloor;
  for (const p of [...plans].sort((a, b) => b.y0 - a.y0)) {
    const dir = p.side === "right" ? 1 : -1;
    const free = (x, step) => !lanes.some((l) => Math.abs(l.at - x) < step - 0.5 && l.a < bottom && l.b > p.y0);
    // Half a gap from a card, a whole one from the stage's edge.
    const lo = p.lo + (p.lo <= geo.user.left + 1 ? 1 : 0.5) * gap;
    const hi = p.hi - (p.hi >= geo.user.right - 1 ? 1 : 0.5) * gap;
    const inside = (x) => x > lo - 0.01 && x < hi + 0.01;
    let lane = null;
    for (const step of [gap, MIN_GAP]) {
      for (let x = p.sx + dir * step; lane === null && inside(x); x += dir * step) if (free(x, step)) lane = x;
      if (lane !== null) break;
    }
    if (lane === null) {
      // No room left between the card and the stage's edge: ask for a wider margin.
      const atEdge = dir > 0 ? p.hi >= geo.user.right - 1 : p.lo <= geo.user.left + 1;
      if (atEdge) room[dir > 0 ? "right" : "left"] += gap;
      lane = dir > 0 ? p.hi - MIN_GAP / 2 : p.lo + MIN_GAP / 2;
    }
    lanes.push({ at: lane, a: p.y0, b: bottom });
    p.lane = lane;
  }
}

// Where each line lands on its target's top edge: lines to one target spread over its width
// in the order of their lanes, so they arrive side by side and never cross there.
function assignEntries(plans, gap) {
  const byTarget = new Map();
  for (const p of plans) byTarget.set(p.target, [...(byTarget.get(p.target) ?? []), p]);
  for (const [t, group] of byTarget) {
    group.sort((a, b) => a.lane - b.lane);
    const w = t.right - t.left;
    const step = Math.max(gap, w / (group.length + 1));
    const start = (t.left + t.right) / 2 - (step * (group.length - 1)) / 2;
    group.forEach((p, i) => (p.entry = start + step * i));
  }
}

// The simplest shape whose segments are all clear. From the lane, a line goes down to a band
// and along it, down again, and so on, to its entry point: (a) along the band below the
// cards; (b) along the band in kernel space under its label; (c) along both, crossing the
// boundary where nothing is in the way; (d) down its lane to just above its target (a target
// below other boxes, as on a phone); (e, f) as (b, c), then down a free corridor to there.
function shape(p, geo, taken, bandU, bandK, gap, room) {
  const { sx, y0, lane, entry, target } = p;
  const ty = target.top;
  const bandT = { top: Math.max(geo.kernelTop + gap, ty - 120), bottom: ty - gap }; // just above the target
  const hitsBox = (seg) => hits(seg, geo.obstacles, target);
  const clear = (path) => !segments(path).slice(1).some((seg) => hitsBox(seg) || clash(seg, taken));
  // steps: [band, x, band, x, ...]: the line turns at a free y of each band to go to the x.
  const build = (steps) => {
    const path = [[sx, y0], [lane, y0]];
    let x = lane;
    for (let i = 0; i < steps.length; i += 2) {
      const y = freeY(steps[i], Math.min(x, steps[i + 1]), Math.max(x, steps[i + 1]), taken, gap, hitsBox);
      if (y === null) return null;
      path.push([x, y]);
      x = steps[i + 1];
      path.push([x, y]);
    }
    path.push([x, ty]);
    return clear(path) ? path : null;
  };
  const first = (xs, steps) => {
    for (const x of xs) {
      const path = build(steps(x));
      if (path) return path;
    }
    return null;
  };
  // Where a line going down from the band below the cards meets nothing until kernel space.
  let crossed = null;
  const crossing = () => {
    for (const x of crossed === null ? across(lane, geo) : []) {
      if (!hitsBox({ vertical: true, at: x, a: bandU.top, b: bandK.bottom })) return (crossed = x);
    }
    return crossed ?? (crossed = lane);
  };
  const found =
    build([bandU, entry]) ??
    build([bandK, entry]) ??
    first(across(entry, geo), (x) => [bandU, x, bandK, entry]) ??
    build([bandT, entry]) ??
    first(across(entry, geo), (x) => [bandK, x, bandT, entry]) ??
    first(across(entry, geo), (x) => [bandU, crossing(), bandK, x, bandT, entry]);
  if (!found) {
    // A band too low for one more line asks for the height it lacks (the caller routes again).
    if (freeY(bandU, Math.min(lane, entry), Math.max(lane, entry), taken, gap, () => false) === null) room.user += gap + Math.max(0, bandU.top - bandU.bottom);
    if (freeY(bandK, Math.min(lane, entry), Math.max(lane, entry), taken, gap, () => false) === null) room.kernel += gap + Math.max(0, bandK.top - bandK.bottom);
  }
  // Nothing clear (a page too crowded even with the room asked for): the first shape anyway.
  const y = bandU.bottom;
  const path = simplify(found ?? [[sx, y0], [lane, y0], [lane, y], [entry, y], [entry, ty]]);
  for (const seg of segments(path)) (seg.vertical ? taken.v : taken.h).push({ at: seg.at, a: seg.a, b: seg.b });
  return path;
}

/** The lowest y in the band where a horizontal line from a to b runs clear of the lines
 * already there and of every box. */
function freeY(band, a, b, taken, gap, hitsBox) {
  for (let y = band.bottom; y >= band.top; y -= gap) {
    if (taken.h.some((s) => Math.abs(s.at - y) < gap - 0.5 && s.a < b + gap && s.b > a - gap)) continue;
    if (!hitsBox({ vertical: false, at: y, a, b })) return y;
  }
  return null;
}

/** x positions to try for a vertical run (across the boundary, down a corridor), nearest the
 * entry first. */
function* across(entry, geo) {
  for (let d = 0; d < geo.user.right - geo.user.left; d += geo.gap) {
    yield entry - d;
    yield entry + d;
  }
}

function segments(path) {
  const out = [];
  for (let i = 1; i < path.length; i++) {
    const [x0, y0] = path[i - 1];
    const [x1, y1] = path[i];
    if (x0 === x1 && y0 === y1) continue;
    if (x0 === x1) out.push({ vertical: true, at: x0, a: Math.min(y0, y1), b: Math.max(y0, y1) });
    else out.push({ vertical: false, at: y0, a: Math.min(x0, x1), b: Math.max(x0, x1) });
  }
  return out;
}

function simplify(path) {
  const pts = path.filter((pt, i) => i === 0 || pt[0] !== path[i - 1][0] || pt[1] !== path[i - 1][1]);
  return pts.filter((pt, i) => {
    if (i === 0 || i === pts.length - 1) return true;
    const [a, b] = [pts[i - 1], pts[i + 1]];
    return !((a[0] === pt[0] && pt[0] === b[0]) || (a[1] === pt[1] && pt[1] === b[1]));
  });
}

/** Does this segment pass through a label or a box other than the line's own target? */
function hits(seg, obstacles, target) {
  return obstacles.some(({ rect: r }) => {
    if (r === target) return false;
    if (seg.vertical) return seg.at > r.left - 1 && seg.at < r.right + 1 && seg.a < r.bottom - 0.5 && seg.b > r.top + 0.5;
    return seg.at > r.top - 1 && seg.at < r.bottom + 1 && seg.a < r.right - 0.5 && seg.b > r.left + 0.5;
  });
}

/** Does this segment run along one already drawn (closer than MIN_GAP, overlapping)? */
function clash(seg, taken) {
  const list = seg.vertical ? taken.v : taken.h;
  return list.some((s) => Math.abs(s.at - seg.at) < MIN_GAP - 0.5 && s.a < seg.b - 0.5 && s.b > seg.a + 0.5);
}
