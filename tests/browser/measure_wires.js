// For test_wires.py, in the page: every drawn line sampled each px along its length, in
// viewport coordinates, and the labels and boxes it must keep out of.
(() => {
  const lines = [...document.querySelectorAll('[data-testid="wire"], [data-testid="file-wire"]')].map(g => {
    const path = g.querySelector('path');
    const m = path.getScreenCTM();
    const len = path.getTotalLength();
    const pts = [];
    for (let s = 0; s <= len; s += 1) {
      const p = path.getPointAtLength(Math.min(s, len));
      pts.push([m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f]);
    }
    const last = path.getPointAtLength(len);
    pts.push([m.a * last.x + m.c * last.y + m.e, m.b * last.x + m.d * last.y + m.f]);
    const d = g.dataset;
    return {name: `${d.testid} pid ${d.pid ?? "-"} fd ${d.fd ?? "-"} ${d.file ?? ""}`, kind: d.testid,
            file: d.file ?? null, pipe: d.pipe ?? null, end: d.end ?? null, pid: d.pid ?? null, pts};
  });
  const box = el => { const r = el.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const named = (sel, what) => [...document.querySelectorAll(sel)].map(el => ({what: what(el), ...box(el)}));
  const labels = named('.space-label, .boundary span, .files-label, .pipe header, .pipe .ends, .pipe .bytes, .proc-name',
                       el => `label "${el.textContent.trim().slice(0, 30)}"`);
  const boxes = [
    ...named('[data-testid="proc"]', el => `card ${el.dataset.role}`).map(b => ({...b, pid: null})),
    ...named('.file', el => `file ${el.dataset.file}`),
    ...named('.port', el => `port ${el.dataset.end}`),
    ...named('[data-testid="pipe"]', el => `pipe ${el.dataset.pipe}`),
  ];
  const files = Object.fromEntries([...document.querySelectorAll('.file')].map(el => [el.dataset.file, box(el)]));
  const ports = Object.fromEntries([...document.querySelectorAll('.port')].map(el => [`${el.dataset.pipe} ${el.dataset.end}`, box(el)]));
  return {lines, labels, boxes, files, ports};
})
