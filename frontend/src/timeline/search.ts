/** Binary searches over sorted numeric arrays (the lanes hold thousands of regions). */

/** First index i with a[i] >= x (a.length when none). */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with a[i] > x (a.length when none). */
export function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The value of a sorted array nearest to x, or null for an empty array. */
export function nearest(a: ArrayLike<number>, x: number): number | null {
  if (a.length === 0) return null;
  const i = lowerBound(a, x);
  if (i === 0) return a[0];
  if (i === a.length) return a[a.length - 1];
  return x - a[i - 1] <= a[i] - x ? a[i - 1] : a[i];
}
