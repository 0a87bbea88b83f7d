/** The invisible DOM targets laid over a lane's drawn regions, kept in step without rebuilding. */

/** One DOM hit target over a region (for pointer hits, tooltips and test ids). */
export interface HitSpec {
  className: string;
  testid: string;
  regionId: string;
  layer: string;
  label: string;
  title: string;
  left: string;
  width: string;
  top: string;
  height: string;
}

/**
 * Make the hit layer hold exactly these targets, reusing its existing nodes and writing only what
 * changed: scrolling then moves a few hundred nodes instead of rebuilding them every frame.
 */
export function syncHits(box: HTMLElement, specs: HitSpec[]): void {
  const nodes = box.children;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    let el = nodes[i] as HTMLElement | undefined;
    if (!el) {
      el = document.createElement("div");
      box.append(el);
    }
    if (el.className !== s.className) el.className = s.className;
    const d = el.dataset;
    if (d.testid !== s.testid) d.testid = s.testid;
    if (d.regionId !== s.regionId) d.regionId = s.regionId;
    if (d.layer !== s.layer) d.layer = s.layer;
    if (d.label !== s.label) d.label = s.label;
    if (el.title !== s.title) el.title = s.title;
    const st = el.style;
    if (st.left !== s.left) st.left = s.left;
    if (st.width !== s.width) st.width = s.width;
    if (st.top !== s.top) st.top = s.top;
    if (st.height !== s.height) st.height = s.height;
  }
  while (nodes.length > specs.length) (box.lastChild as ChildNode).remove();
}

/** What a layer offers to hit-testing: whether it is editable and a query for the region at a time. */
export interface HitLayer<L> {
  layer: L;
  editable: boolean;
  hit(ms: number, tolMs: number): { id: string } | null;
}

/**
 * The region under time ms when no DOM target answered (dense lanes): the editable layer is
 * asked first, so one's own region wins over a suggestion drawn in the same place.
 */
export function pickRegion<L, R extends { id: string }>(layers: readonly HitLayer<L>[], ms: number, tolMs: number): { layer: L; region: R } | null {
  const order = [...layers].sort((a, b) => Number(b.editable) - Number(a.editable));
  for (const l of order) {
    const region = l.hit(ms, tolMs);
    if (region) return { layer: l.layer, region: region as R };
  }
  return null;
}
