/**
 * Structured logging: one JSON line per event, so Workers Logs can filter on fields. Callers pass
 * ids and outcomes, never credentials; `redact` is a last line of defence for well-known keys.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

const SECRET_KEYS = /token|secret|password|authorization|api[_-]?key|private[_-]?key|credential/i;

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SECRET_KEYS.test(key) ? '[redacted]' : value;
  return out;
}

/** The default logger: JSON lines on the console. */
export const consoleLogger: Logger = {
  log(level, event, fields = {}) {
    const line = JSON.stringify({ level, event, ...redact(fields) });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  },
};

/** A logger that drops everything (benchmarks, or callers that collect their own records). */
export const silentLogger: Logger = { log() {} };

/**
 * A logger that adds `fields` to every line of `parent` (a delivery's id, an event's id), so a
 * handler's lines carry them without repeating them. A line's own fields win over the parent's.
 */
export function child(parent: Logger, fields: LogFields): Logger {
  return { log: (level, event, own = {}) => parent.log(level, event, { ...fields, ...own }) };
}
