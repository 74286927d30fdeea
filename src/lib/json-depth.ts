/**
 * Guards against pathological JSON before anything recursive (parse, stringify, structured clone,
 * storage) touches it: a depth check on a parsed value, the same check on raw text without parsing
 * it, and a serialiser that never throws (for bodies that must be kept whatever they are). All
 * three are iterative, so no input can overflow the stack.
 */

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

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const OPEN = new Set([123, 91]); // { [
const CLOSE = new Set([125, 93]); // } ]

/**
 * True when JSON text nests no deeper than `max` arrays/objects (`{}` is 1 deep, as in
 * `depthAtMost`). One linear pass over the characters, skipping string contents and their escapes
 * (`"\"{"` opens nothing), so it is safe on any text, valid JSON or not, and can run before
 * `JSON.parse`. Brackets in malformed text may miscount; the parse that follows refuses that text.
 */
export function textDepthAtMost(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) inString = true;
    else if (OPEN.has(ch)) {
      depth++;
      if (depth > max) return false;
    } else if (CLOSE.has(ch)) depth--;
  }
  return true;
}

export interface SafeJson {
  /** JSON text when `note` is null; otherwise the best textual form that could be made. */
  text: string;
  /** Why the text is not the body's exact JSON (unserialisable, or truncated), or null. */
  note: string | null;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * JSON text for anything, never throwing: `JSON.stringify` when it works, else the tolerant
 * serialiser below; cut to `maxChars` (with a note saying so) when longer.
 */
export function toSafeJson(value: unknown, maxChars: number): SafeJson {
  let text: string | undefined;
  let note: string | null = null;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    note = `not serialisable as JSON (${describe(err)}); kept in a tolerant form`;
    text = stringifyTolerant(value, maxChars);
  }
  if (text === undefined) {
    text = 'null';
    note = `the body was ${typeof value}, which JSON cannot hold`;
  }
  if (text.length > maxChars) {
    note = `${note ? `${note}; ` : ''}truncated to its first ${maxChars} of ${text.length} characters`;
    text = text.slice(0, maxChars);
  }
  return { text, note };
}

type Frame = { close: string; obj: object; entries: [string | null, unknown][]; i: number };

/** Reads a property without letting a throwing getter escape. */
function read(obj: object, key: string): unknown {
  try {
    const value = (obj as Record<string, unknown>)[key];
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return (value as { toJSON: () => unknown }).toJSON();
    }
    return value;
  } catch (err) {
    return `[unreadable: ${describe(err)}]`;
  }
}

const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * Iterative JSON serialiser for values `JSON.stringify` refuses: cycles become `"[Circular]"`,
 * BigInts their decimal string, throwing getters `"[unreadable: …]"`; any depth. Stops adding once
 * past `budget` characters (the caller truncates).
 */
export function stringifyTolerant(value: unknown, budget = Number.POSITIVE_INFINITY): string {
  const out: string[] = [];
  let length = 0;
  const push = (s: string) => {
    out.push(s);
    length += s.length;
  };
  const ancestors = new Set<object>();
  const stack: Frame[] = [];
  const write = (v: unknown): void => {
    if (v === null || skipped(v)) push('null');
    else if (typeof v === 'string') push(JSON.stringify(v));
    else if (typeof v === 'number') push(Number.isFinite(v) ? String(v) : 'null');
    else if (typeof v === 'boolean') push(String(v));
    else if (typeof v === 'bigint') push(JSON.stringify(v.toString()));
    else if (ancestors.has(v as object)) push('"[Circular]"');
    else {
      const obj = v as object;
      ancestors.add(obj);
      const isArray = Array.isArray(obj);
      push(isArray ? '[' : '{');
      const entries: [string | null, unknown][] = isArray
        ? Array.from({ length: obj.length }, (_, i) => [null, read(obj, String(i))])
        : Object.keys(obj)
            .map((k): [string, unknown] => [k, read(obj, k)])
            .filter(([, child]) => !skipped(child));
      stack.push({ close: isArray ? ']' : '}', obj, entries, i: 0 });
    }
  };
  write(typeof value === 'object' && value !== null && 'toJSON' in value ? read({ value }, 'value') : value);
  while (stack.length > 0 && length <= budget) {
    const top = stack[stack.length - 1] as Frame;
    const entry = top.entries[top.i];
    if (entry === undefined) {
      push(top.close);
      ancestors.delete(top.obj);
      stack.pop();
      continue;
    }
    if (top.i > 0) push(',');
    top.i++;
    if (entry[0] !== null) push(`${JSON.stringify(entry[0])}:`);
    write(entry[1]);
  }
  return out.join('');
}
