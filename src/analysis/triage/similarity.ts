/**
 * Duplicate and related issues: cosine similarity over stemmed word counts, the title counted
 * three times (it names the problem; bodies wander), template headings and instructions dropped so
 * two reports from the same template do not look alike for that reason alone.
 */
import { cleanBody } from './text';

/**
 * At or above: "likely duplicate". Measured on the labelled corpus (162 issues of one project,
 * 13,041 pairs of different issues): the median pair scores 0, the 99th percentile 0.27, the 99.9th
 * 0.43; reworded reports of one problem score about 0.4–0.7.
 */
export const DUPLICATE_THRESHOLD = 0.5;
/** At or above (and below DUPLICATE_THRESHOLD): "related" — above 99 % of unrelated pairs. */
export const RELATED_THRESHOLD = 0.3;
const TITLE_WEIGHT = 3;

const STOP = new Set(
  `a about above after again against all also am an and any are aren as at be because been before being below between both but by
  can could did didn do does doesn doing don down during each few for from further had has hasn have haven having he her here hers
  him his how i if in into is isn it its itself just let me more most my no nor not now of off on once only or other our ours out
  over own same she should so some such than that the their theirs them then there these they this those through to too under
  until up very was wasn we were weren what when where which while who whom why will with won would you your yours im ive id
  get got gets getting seem seems seemed like just still really also even thing things something anything way
  hi hello hey thanks thank please regards cheers anyone someone help issue issues problem bug bugs report question feature request
  use used using try tried trying want wanted need needs able work works working worked run running ran happen happens happened
  see seen look looks new one two etc eg ie e.g i.e via within without`.split(/\s+/),
);

/** Light stemming: plural, -ing, -ed, -ly and a few more, so "crashes", "crashed", "crashing" meet. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 5 && w.endsWith('ly')) w = w.slice(0, -2);
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Tokens for similarity: lowercase words, stop words and markdown/code noise removed, light stemming. */
export function tokens(text: string): string[] {
  const words = text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/n't\b/g, '')
    .replace(/'(s|re|ve|ll|d|m)\b/g, '')
    .split(/[^a-z0-9]+/);
  const out: string[] = [];
  for (const word of words) {
    if (word.length < 2 || word.length > 30 || STOP.has(word)) continue;
    if (/^\d+$|^0x[0-9a-f]+$|^[0-9a-f]{7,}$/.test(word) || /\d{3,}/.test(word)) continue;
    const stemmed = stem(word);
    if (!STOP.has(stemmed)) out.push(stemmed);
  }
  return out;
}

/** Words nearly every issue of a software project uses: they count half, so shared vocabulary is not mistaken for a shared problem. */
const COMMON = new Set(
  tokens(
    `app application page file files code config configuration setting settings option options version error errors message default value
    user users data api request response server client test tests build project repo repository time way case change changes add support
    set show display create update make thing instead when still fine same different first new old good right wrong`,
  ),
);

function vector(issue: { title: string; body?: string | null }): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (token: string, weight: number) => counts.set(token, (counts.get(token) ?? 0) + (COMMON.has(token) ? weight / 2 : weight));
  for (const token of tokens(issue.title ?? '')) add(token, TITLE_WEIGHT);
  const body = cleanBody(issue.body);
  for (const token of tokens(`${body.prose}\n${body.code}`)) add(token, 1);
  // Sub-linear counts: a word repeated in a long log does not dominate.
  for (const [token, count] of counts) counts.set(token, 1 + Math.log(count));
  return counts;
}

/** Similarity of two issues' text in [0, 1]: cosine over weighted token counts. */
export function similarity(a: { title: string; body?: string | null }, b: { title: string; body?: string | null }): number {
  const va = vector(a);
  const vb = vector(b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [token, weight] of va) {
    na += weight * weight;
    const other = vb.get(token);
    if (other !== undefined) dot += weight * other;
  }
  for (const weight of vb.values()) nb += weight * weight;
  if (na === 0 || nb === 0) return 0;
  return Math.min(1, Math.round((dot / Math.sqrt(na * nb)) * 1000) / 1000);
}
