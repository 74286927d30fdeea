/** Guards against pathologically nested JSON before anything recursive (stringify, storage) touches it. */

/** True when `value` nests no deeper than `max` arrays/objects. Iterative: safe on any input. */
export function depthAtMost(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return true;
}
