/**
 * Optional AI wording: when the Workers AI binding (`AI`) exists, a small model may rephrase a
 * short template text (the triage comment's intro). It only ever changes wording — labels,
 * priority and findings are decided before and without it — and its output is bounded: at most
 * `maxChars` characters of plain single-line text, or the template. No binding, a timeout, an
 * error, or an answer that is empty, too long or not text: the template, unchanged.
 */

/** The model asked (small and fast; Workers AI's catalogue). */
export const WORDING_MODEL = '@cf/meta/llama-3.2-1b-instruct';
const DEFAULT_TIMEOUT_MS = 1500;

export interface WordingOptions {
  /** What the text is for, told to the model. */
  purpose: string;
  maxChars?: number;
  timeoutMs?: number;
}

/** The shape the binding answers with for text-generation models. */
interface TextAnswer {
  response?: unknown;
}

/** The part of the binding we call (typed loosely: the model catalogue's types are not needed here). */
interface AiLike {
  run(model: string, input: { messages: { role: string; content: string }[]; max_tokens: number }): Promise<unknown>;
}

function bounded(answer: unknown, maxChars: number): string | null {
  const text = (answer as TextAnswer | null)?.response;
  if (typeof text !== 'string') return null;
  const line = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'“]+|["'”]+$/g, '');
  if (line.length < 10 || line.length > maxChars) return null;
  return line;
}

/** The template reworded by the model, or the template itself (see the module comment). Never throws. */
export async function reword(ai: unknown, template: string, options: WordingOptions): Promise<{ text: string; by: 'ai' | 'template' }> {
  const maxChars = options.maxChars ?? 400;
  if (!ai || typeof (ai as AiLike).run !== 'function') return { text: template, by: 'template' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    });
    const asked = Promise.resolve().then(() =>
      (ai as AiLike).run(WORDING_MODEL, {
        messages: [
          {
            role: 'system',
            content: `Rephrase the user's text for ${options.purpose}. Keep every fact, add none. One friendly sentence or two, plain text, under ${maxChars} characters. Answer with the text only.`,
          },
          { role: 'user', content: template },
        ],
        max_tokens: 160,
      }),
    );
    asked.catch(() => undefined); // a rejection after the timeout won is not unhandled
    const answer = await Promise.race([asked, timeout]);
    const text = bounded(answer, maxChars);
    return text === null ? { text: template, by: 'template' } : { text, by: 'ai' };
  } catch {
    return { text: template, by: 'template' };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
