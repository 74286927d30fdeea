/**
 * Priority from severity wording, crash / data-loss / security signals and reactions: critical for
 * an exploitable security problem, data loss or a production outage; high for crashes,
 * regressions, blockers, every user affected, or many 👍; low for typos, cosmetics and questions.
 */
import type { IssueInput, IssueType, Priority } from './types';

const EXPLOIT =
  /\b(exploit(ed|able|s)?|in the wild|rce|remote code execution|arbitrary (code|command)|auth(entication|orization)? bypass|bypass(es)? (authentication|authorization|auth|login)|privilege escalation|account takeover|sql ?injection|command injection|code injection|xss|cross[- ]site scripting|ssrf|forge[ds]?|forging|(can be |be )bypassed|anyone can|any (user|actor|key holder|one) (can|could)|(tokens?|secrets?|credentials?|passwords?|api[- ]?keys?|private keys?) (are |is |get |gets |being )?(leak(ed|s)?|exposed|logged|printed|public)|(leak(s|ed|ing)?|expos(es|ed|ing)|log(s|ged|ging)|print(s|ed|ing)) (the |all |user |users' )?([\w-]+ ){0,2}(tokens?|secrets?|credentials?|passwords?|api[- ]?keys?|private keys?))\b/;
const DATA_LOSS =
  /\b(data loss|loses? (all )?(my |our |the |user )?(data|work|changes|files|records)|lost (all )?(my |our |the )?(data|work|changes|files|records)|lost all|(all (the )?)?(rows|records|data|entries|files) (are|were) (all )?(gone|deleted|lost|wiped)|(deletes?|deleted|wipes?|wiped|erases?|erased|overwrites?|overwrote) (all|every|the whole|my|our|user)\b|data corruption|corrupt(s|ed|ing)? (the )?(database|data|files?|records?|backups?)|irreversibl\w*|unrecoverable)\b/;
const PROD_DOWN =
  /\b((in |on )?(production|prod)\b[^.\n]{0,60}\b(crash(es|ed|ing)?|dies|died|down|outage|fail(s|ing|ed)?|broken|5\d\d|panics?|exceed(ed|s)|errors?|time(s|d)? ?out)|(crash(es|ed|ing)?|dies|died|down|outage|fail(s|ing|ed)?|5\d\d|panics?|exceed(ed|s)|errors?)\b[^.\n]{0,60}\b(in|on) (production|prod)\b|outage|site is down|service is down|(is|are|went) down for (all|every))\b/;
const HIGH =
  /\b(crash(es|ed|ing)?|segfaults?|panic(s|ked)?|dies|died|regression|regressed|after (upgrad|updat)(e|ing)|since (upgrad|updat)ing|used to work|since (the )?last (week|release|update|version|deploy)|worked (fine )?(before|in \d)|build (is )?(broken|failing|fails)|broken (on|in) (main|master|trunk)|(main|master) is broken|(can'?t|cannot) (be )?(merged?|released?|shipped?)|blocker|blocking|blocks (us|me|our|the release|deploy)|show ?stopper|urgent|asap|severe|critical|all (users|customers|requests|deliveries|events)|every (user|request|customer|delivery|event)|unusable|completely broken|cannot (deploy|start|log ?in|login|build)|can'?t (deploy|start|log ?in|login|build)|hangs?|freez(es|ing))\b/;
const LOW =
  /\b(typos?|spelling|misspell\w*|grammar|cosmetic|broken links?|dead links?|(wrong|outdated|incorrect) links?|wording|nit|nitpick|minor|trivial|nice to have|nice-to-have|low priority|alignment|misaligned|padding|margin|colou?r|font|tooltip|whitespace|indentation|capitali[sz]ation)\b/;

const quote = (m: RegExpExecArray) => `"${m[0].trim().slice(0, 40)}"`;

/** The priority and one reason for it. `text` is the issue's lower-cased title and body. */
export function priorityOf(
  issue: IssueInput,
  type: IssueType | null,
  labels: readonly IssueType[],
  text: string,
): { priority: Priority; reason: string } {
  const thumbs = issue.reactions?.['+1'] ?? 0;
  const total = issue.reactions?.total_count ?? 0;
  const failure = type !== 'question' && type !== 'feature';
  const exploit = labels.includes('security') ? EXPLOIT.exec(text) : null;
  if (exploit) return { priority: 'critical', reason: `priority critical: exploitable security problem (${quote(exploit)})` };
  const dataLoss = DATA_LOSS.exec(text);
  if (dataLoss) return { priority: 'critical', reason: `priority critical: data loss (${quote(dataLoss)})` };
  const prodDown = failure ? PROD_DOWN.exec(text) : null;
  if (prodDown) return { priority: 'critical', reason: `priority critical: failing in production (${quote(prodDown)})` };
  if (thumbs >= 10 || total >= 15)
    return { priority: 'high', reason: `priority high: ${thumbs >= 10 ? `${thumbs} 👍` : `${total} reactions`}` };
  if (labels.includes('security')) return { priority: 'high', reason: 'priority high: security problem' };
  const severe = failure && type !== 'docs' ? HIGH.exec(text) : null;
  if (severe) return { priority: 'high', reason: `priority high: severity wording (${quote(severe)})` };
  if (type === 'question') return { priority: 'low', reason: 'priority low: a question' };
  const minor = LOW.exec(text);
  if (minor) return { priority: 'low', reason: `priority low: minor or cosmetic (${quote(minor)})` };
  return { priority: 'medium', reason: 'priority medium: no severity signal' };
}
