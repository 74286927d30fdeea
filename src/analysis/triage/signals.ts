/**
 * The evidence the classifier weighs: phrases that, in real issue trackers, mark a bug report, a
 * feature request, a question, a documentation fix, a security report or a performance problem.
 * A title phrase counts fully; a `both` phrase found only in the body counts BODY_FACTOR of it;
 * a `body` phrase counts its own weight. Each signal counts once per issue, however often it
 * occurs. Patterns run on lower-cased text with straight apostrophes; `title` patterns anchored
 * with ^ also run on the title without its leading tags (`[Feature] Add…` → `add…`).
 */
import type { IssueType } from './types';

export interface Signal {
  type: IssueType;
  weight: number;
  where: 'title' | 'body' | 'both';
  re: RegExp;
  /** What the reason says, e.g. 'asks how'; the matched text is quoted after it. */
  why: string;
  /** What a `both` signal counts when found only in the body, when not BODY_FACTOR of `weight`. */
  bodyWeight?: number;
}

export const BODY_FACTOR = 0.5;

const s = (type: IssueType, weight: number, where: Signal['where'], why: string, re: RegExp, bodyWeight?: number): Signal =>
  bodyWeight === undefined ? { type, weight, where, why, re } : { type, weight, where, why, re, bodyWeight };

/** `[Bug]`, `bug:`, `Feature request -`, `(question)`, `docs(readme):` … at the start of a title. */
export const TITLE_TAGS: readonly { type: IssueType; re: RegExp }[] = [
  { type: 'bug', re: /^\W{0,3}(bug( report)?|defect|regression|crash|fix(es)?|broken|error|problem|issue)\s*(\([^)]*\))?\s*[\]):|-]/ },
  {
    type: 'feature',
    re: /^\W{0,3}(feature( request)?|feat|enhancement|enhance|request|proposal|rfc|suggestion|idea|fr|improvement|new feature|wish)\s*(\([^)]*\))?\s*[\]):|-]/,
  },
  { type: 'question', re: /^\W{0,3}(question|q|help( needed| wanted)?|support|how ?to|discussion|faq|usage)\s*(\([^)]*\))?\s*[\]):|-]/ },
  { type: 'docs', re: /^\W{0,3}(docs?|documentation|readme|typo|website)\s*(\([^)]*\))?\s*[\]):|-]/ },
  { type: 'security', re: /^\W{0,3}(security|vulnerability|cve-\d{4}-\d+|sec)\s*(\([^)]*\))?\s*[\]):|-]/ },
  { type: 'performance', re: /^\W{0,3}(perf|performance|speed|slow)\s*(\([^)]*\))?\s*[\]):|-]/ },
];

/** The title without leading tags, ticket numbers and emoji: `[FEATURE] 0042: ✨ Add x` → `add x`. */
export function titleCore(title: string): string {
  let core = title;
  for (let i = 0; i < 4; i++)
    core = core
      .replace(/^[^\p{L}\p{N}[(]+/u, '')
      .replace(
        /^(\[[^\]]{0,40}\]|\([^)]{0,40}\)|#?\d+\s*[:.)-]|[\w-]{1,20}(\([^)]{0,30}\))?!?:(?=\s)|[\p{L}\w-]+( [\p{L}\w-]+){0,2}:(?=\s))\s*/u,
        '',
      );
  return core.trim();
}

const NOT_WORKING =
  /\b(does ?n[o']?t work(ing)?|do ?n[o']?t work|did ?n[o']?t work|is ?n[o']?t working|are ?n[o']?t working|not work(ing|s)?|stopp?ed working|broke|no longer (works?|working)|won'?t (work|start|load|open|compile|build|run|install|connect|save)|fails?|failed|failing|failure|broken|breaks|crash(es|ed|ing)?|segfaults?|panics?|panicked|dies|died|hangs?|hanging|freez(es|ing)|frozen|stuck|stall(s|ed|ing)?|locks up|locked up|unresponsive|not responding|misbehav(es|ing))\b/;

export const SIGNALS: readonly Signal[] = [
  // ── bug ───────────────────────────────────────────────────────────────────────────────────
  s('bug', 3, 'both', 'says it is broken', NOT_WORKING),
  s(
    'bug',
    3,
    'both',
    'names an exception',
    /\b[a-z]*(error|exception)\b\s*:|\b(typeerror|referenceerror|syntaxerror|valueerror|keyerror|attributeerror|nullpointerexception|npe|segmentation fault|stack overflow|err_[a-z_]{4,}|unhandled (promise )?rejection|uncaught)\b/,
  ),
  s(
    'bug',
    2.5,
    'both',
    'reports an error',
    /(?<!\b(no|without|any) )\b(errors?(?![.\w/-]*\.[a-z]{2,4}\b)|exceptions?|throws?|thrown|traceback|stack ?trace|core dump|exit (code|status) [1-9]|status (code )?5\d\d|http 5\d\d|500 internal)\b/,
  ),
  s(
    'bug',
    2.5,
    'both',
    'reports wrong behaviour',
    /\b(wrong(ly)?|incorrect(ly)?|invalid|unexpected(ly)?|inconsistent|corrupt(ed|s)?|mismatch|bogus|garbled|duplicat(e|es|ed|ing)|twice|not (be(ing)? )?(shown|showing|displayed|rendered|rendering|loading|loaded|found|saved|updated|updating|respected|honou?red|triggered|applied|recognized|recogni[sz]ed|detected|resolved|returned|sent|received|called|working|visible|removed|deleted|cleared|reset|closed|refreshed|parsed|read|written|created|generated))\b/,
  ),
  s(
    'bug',
    3,
    'both',
    'reports a regression',
    /\b(regression|regressed|after (upgrad|updat)(e|ing)|since (upgrad|updat)ing|used to work|worked (fine |well )?(before|in|with|until)|was working)\b/,
  ),
  s(
    'bug',
    2,
    'both',
    'cannot do something',
    /\b(can'?t|cannot|can not|unable to|impossible to|fails to|failed to|refuses to)\b(?! (figure|find (out|a way|how|where)|understand|seem to find|tell|see how|work out))/,
  ),
  s(
    'bug',
    1.5,
    'title',
    'names a symptom',
    /\b(bug|issue with|problem with|glitch|leaks?|timeout|times out|timed out|404|403|401|502|null|undefined|nan|empty|blank|missing|ignored|ignores|overrid(es|den)|overlaps?|cut off|misaligned|flicker(s|ing)?|infinite (redirect )?loop|redirect loop|loops forever|lost|gone|disappear(s|ed)?|(has|have) no|absent|stops|stopped|exits|exited|exiting|quits|shuts down|race condition|deadlock|memory corruption)\b/,
  ),
  s(
    'bug',
    2,
    'both',
    'when-then symptom',
    /\bwhen [a-z]+\b[^.!?\n]{0,80}?\b(get|gets|got|returns?|shows?|throws?|crash|fails?|is|are|retry|retries|stops?|hangs?)\b/,
  ),
  s(
    'bug',
    1.5,
    'both',
    'happens intermittently',
    /\b(sometimes|suddenly|intermittent(ly)?|randomly|flaky|occasionally|from time to time|off[- ]by[- ]one|one (day|hour) off)\b/,
  ),
  s(
    'bug',
    1.5,
    'body',
    'describes observed behaviour',
    /\b(instead of|but (it|instead|nothing|i get|i got|got|the|this|that)|i (get|got|see|am getting|'m getting|keep getting|received)|it (returns|shows|throws|gives|says|prints|logs)|the (result|output|response) is|nothing happens)\b/,
  ),
  s(
    'bug',
    1.5,
    'body',
    'states what was expected',
    /\b(expected|i'?d expect|i would expect|i expect|should (not|never|be|have|return|show|stop|work|respect|keep|only)|supposed to|even (when|if|though|after)|still (says|shows|returns|works|working|accepted|there|listed|appears|happens|fails)|(is|are|was|were|gets?) never|never (gets?|returns?|shows?|fixed|called|sent|happens|works|finishes|completes))\b/,
  ),
  s(
    'bug',
    1.5,
    'body',
    'gives version/environment details',
    /\b(os|operating system|node(\.js)?|python|browser|platform|version|runtime|chrome|firefox|safari|windows|macos|ubuntu|debian|ios|android)\s*(version)?\s*[:=]\s*\S|\bv?\d+\.\d+\.\d+\b/,
  ),
  s(
    'bug',
    1.5,
    'title',
    'describes what it does',
    /^\S+[^\n]{0,200}?\b(shows|displays|returns|reports|says|gives|prints|creates|sends|posts|keeps|ignores|treats|flags|marks|removes|deletes|overwrites|resets|loses|skips|hides|duplicates|triggers|fires|renders|counts|breaks|blocks|rejects|accepts|leaves|produces|generates|throws|uses) /,
  ),
  s(
    'bug',
    1.5,
    'body',
    'contrasts with what should happen',
    /\b(although|even though|despite|fixes it|works again|goes away|workaround|(has|have) no)\b/,
  ),
  s(
    'bug',
    2,
    'both',
    'says something does not happen',
    /\b(does|do|did|is|are|was|were|will|has|have|had)( ?n[o']?t| not) (?!(support|allow|offer|provide|accept|exist yet|have (a|an|any) (way|option|setting))\b)(seem to |always |properly |correctly |really |yet |been |be )?[a-z]{3,}|^not [a-z]+(ing|ed|en)\b|\bno (\w+ ){0,2}(received|sent|shown|found|returned|displayed|generated|created|saved|output|response)\b/,
  ),
  s(
    'bug',
    1.5,
    'both',
    'says something is absent',
    /\b(does ?n[o']?t|do ?n[o']?t|did ?n[o']?t|is ?n[o']?t|are ?n[o']?t|does not|is not|are not) (seem to )?(have|contain|include|exist|appear|show( up)?|get (shown|saved|sent|called))\b/,
  ),
  s(
    'bug',
    2.5,
    'body',
    'gives steps to reproduce',
    /\b(steps to reproduce|to reproduce\s*[:,-]|reproduction steps|repro steps|how to reproduce|reproducible (with|by|on|in|every)|can (always |easily |consistently )?reproduce|reproduces (every|always|on|with))/,
  ),
  s(
    'bug',
    -4,
    'both',
    'says it is not a bug',
    /\b(not|isn'?t|is not) (really |necessarily |actually |about )?a bug\b|\bnot (a )?bug report\b/,
  ),

  // ── feature ───────────────────────────────────────────────────────────────────────────────
  s(
    'feature',
    3.5,
    'title',
    'asks to add something',
    /^(please )?(add|support|allow|implement|provide|expose|enable|introduce|offer|accept|integrate|new)\b(?! (button|to cart|page|dialog|form|item|link|menu)\b[^?]*\b(crash|fail|error|broken|not work|doesn'?t))/,
  ),
  s(
    'feature',
    2.5,
    'title',
    'says what it should do',
    /\bshould (\w+ ){0,5}(better|more|less|also|be (configurable|optional|possible|able|customi[sz]able|exposed|added|available|supported|allowed|included|shown|displayed)|support|allow|offer|have|warn|accept)\b/,
  ),
  s(
    'feature',
    1.5,
    'title',
    'names an addition',
    /\b(translations?|locali[sz]ations?|i18n|l10n|integration|plugin|dark (mode|theme)|light (mode|theme)|(api|endpoint|cli|sdk|wrapper|bindings?|command|shortcut|button|setting|toggle) for)\b/,
  ),
  s(
    'feature',
    2,
    'title',
    'asks for a change',
    /^(please )?(make|let|improve|extend|include|create|consider|use|generate|show|display|export|import|auto-?\w+|customi[sz]e|configurable|option|ability|possibility|bump|upgrade|migrate|replace|deprecate|rename|refactor|split|remove|drop|switch|move|convert|configure|sort|filter|group|hide|skip|cache|notify|warn|link|persist|validate|detect|paginate|sync|synchroni[sz]e|render|handle|parse|format|print|stop|avoid|prevent|disallow|forbid|leverage|adopt|set|store|remember|send|share|reuse|schedule|automate|preview|translate|locali[sz]e|upload|copy|clone|archive|restore|backup|lock|pin|publish|subscribe|track|tag|highlight|collapse|expand|resize|retry|reconnect|prefetch|stream|compress|encrypt|sign|verify|limit|increase|decrease|reduce|raise|lower|expose|emit|return|list|search|port|wrap|unify|standardi[sz]e|simplify|separate|combine|merge|respect|honou?r|prefer|default to|more|better|additional|extra|optional|granular|per-\w+)\b/,
  ),
  s(
    'feature',
    4,
    'both',
    'asks for a new capability',
    /\b(feature request|enhancement|would be (nice|great|good|helpful|useful|awesome|cool|handy|convenient)|it would be|it'?d be (nice|great|useful|helpful)|nice to have|nice-to-have|please (add|support|consider|allow|implement|make)|^(could|would) (the|this|it|you please|there be|we (get|have))\b|could you (also |please )?(add|support|implement|consider|make|allow|provide|expose|include)|can you (also |please )?(add|support|implement|provide|make|expose|include)|as an? ([\w-]+ ){1,3}(i|we) (want|would like|need|should be able)|would (love|like) (to see|to have|to be able|a way|an option|support)|i'?d (love|like) (to see|to have|to be able|a way|an option|support)|i would like (?!to (resolve|fix|know|ask|understand|find out|confirm|report|mention|point out|thank))|i want to be able|we want to be able|should (be able to|support|allow|provide|accept|have an? )|add (support|an option|a setting|a flag|the ability|the possibility|a way)|support for|option to|options? for|ability to|possibility to|a way to (configure|disable|enable|set|specify|customi[sz]e|override|choose|pass|add|use|turn)|configurable|opt[- ]in|opt[- ]out|(better|clearer|friendlier|more helpful|more useful|improved?)( the)? (error )?messages?)\b/,
  ),
  s(
    'feature',
    2,
    'both',
    'proposes a design',
    /\b(proposal|propose|proposed|suggestion|suggest|rfc|request|wish|wishlist|roadmap|use[- ]case|motivation|api design|new (option|flag|setting|command|endpoint|parameter|hook|event|api|method|feature|thing|functionality)|out of the box|first-class|built-in support|natively)\b/,
  ),
  s(
    'feature',
    1.5,
    'body',
    'says what they would like',
    /\b(would like (to (?!know|ask|understand|find out|confirm)|a|an|the|it|for)|(we|i)'?d like|would love|(we|i) (want|need) (a|an|the|to|it)|would (let|allow|help|enable|save|make it|tell|show)|would be (much |a lot |way )?(easier|simpler|cleaner|better|handy|faster|nicer)|any plans|(perhaps|maybe) (we|you|it|this|a|an|there) (could|can|should|might)|(perhaps|maybe)\b[^.?!\n]{0,60}\b(could|can|should|might) be|could be (added|nice|useful|an option))\b/,
  ),
  s(
    'feature',
    2,
    'body',
    'describes a missing capability',
    /\b((currently|right now|at the moment|today),? there('s| is) no|currently (there is no|there'?s no|it is not possible|it'?s not possible|you (can'?t|cannot|have to)|we (can'?t|cannot|have to)|i (can'?t|cannot|have to)|only|does ?n[o']?t support|has no)|is not (yet )?supported|isn'?t (yet )?supported|not supported( yet)?|there is no (way|option|setting)|there'?s no (way|option|setting)|instead of having to|without having to|this would allow|this would make)\b/,
  ),
  s(
    'feature',
    1,
    'body',
    'describes the current state',
    /\b(currently|right now|today|at the moment),? (the|it|we|you|it'?s|is|only|a|an|there)\b/,
  ),
  s(
    'feature',
    1.5,
    'body',
    'asks in the imperative',
    /^(please )?(add|support|allow|implement|provide|expose|introduce|enable|export|sync|make|let|create|include|show|display)\b/m,
  ),

  // ── question ──────────────────────────────────────────────────────────────────────────────
  s(
    'question',
    3.5,
    'title',
    'asks how',
    /^(how (do|can|to|should|would|does|is|are|could)|is (it|there) (possible|a way|any)|(is )?possible to|are there|can (i|we|you|one)|could (i|we)|what('?s| is| are| does| should| would| do| can| did| to)|which|where|should (i|we)|is there|does (anyone|somebody)|any (way|idea|ideas|help|example)|anyone|who|when (should|will|is|can)|do (i|we|you) (need|have)|(the )?best (way|practice|approach)s?)\b/,
  ),
  s('question', 2, 'title', 'asks why', /^(why|is (this|it) (expected|normal|intended|a bug)|am i|did i)\b/),
  s(
    'question',
    3,
    'both',
    'asks for help',
    /\b(how (do|can|should|would) (i|we|one|you)|how to\b|is (it|there) (possible|a way|any way)|is there (a|an|any) (way|option|example|guide|recommended|best)|what('?s| is) the (best|right|correct|proper|recommended|preferred|easiest|intended|simplest) (way|approach|practice)|best practices?|i'?m (trying|new|confused|not sure|wondering|struggling)|i am (trying|new|confused|not sure|wondering|struggling)|i was wondering|wondering (if|whether|how)|(can'?t|cannot) (figure out|find (out|how|where|a way)|understand|work out|seem to find)|not sure (how|if|whether|what|why|where)|do(es)? ?n[o']?t (understand|get it|know (how|why|what|where|if|whether))|clarif(y|ication)|am i (doing|missing|wrong)|what am i (doing|missing)|is (this|that|it) (expected|intended|normal|correct|the expected|by design|supported)|is there (a|an|any)\b|confused (about|by)|just (curious|wondering)|(want|wanted|would like|like|'d like) to (ask|know|find out|understand|confirm)|find out (if|whether|how)|documentation (does ?n[o']?t|does not) (say|explain|mention))\b/,
    2,
  ),
  s(
    'question',
    2,
    'both',
    'asks someone for help',
    /\b(need (some )?(help|advice|guidance)|please help|help me|any (help|idea|ideas|hint|hints|pointer|pointers|advice|suggestions?|thoughts|guidance|tips?)|thanks in advance|thx in advance|(can|could) (someone|anyone|somebody|you) (please )?(help|explain|tell|point|clarify|confirm|advise|verify)|what (should|can|do|must) (i|we) (do|check|try|change|use|set)|how (to|do i|can i|could i|should i) (resolve|fix|solve|get rid of|debug|handle|work around) (this|it|that|the))\b/,
    2,
  ),
  s(
    'question',
    3,
    'both',
    'doubts it is a bug',
    /\b(not sure if (this is |it'?s |it is )?(a )?bug|is (this|it) a bug|bug or (a )?feature|or (is it |is this )?a bug)\b/,
  ),
  s('question', 2.5, 'both', 'calls itself a question', /\b(a |quick |simple |basic |general |small )?question\b/, 0.5),
  s('question', 2, 'title', 'ends with a question mark', /\?\s*$/),
  s(
    'question',
    1.5,
    'body',
    'asks a question',
    /(^|[.!:,]\s+|\n\s*)(what|how|why|where|which|who|when|can|could|does|do|is|are|will|would|should|did|has|have)\b[^.?!\n]{3,200}\?/,
  ),

  // ── docs ──────────────────────────────────────────────────────────────────────────────────
  s(
    'docs',
    3.5,
    'title',
    'names the documentation',
    /^(document|documenting|explain|describe)\b|\b(docs?|documentation|documented|undocumented|readme|typos?|spelling|misspell\w*|grammar|docstrings?|javadoc|jsdoc|godoc|changelog|broken links?|dead links?|man ?page|api reference)\b/,
  ),
  s('docs', 4.5, 'title', 'names a documentation file', /\b[\w./-]+\.(md|mdx|rst|adoc)\b|\breadme\b/),
  s('docs', 2, 'title', 'names a guide', /\b(tutorial|guide|getting started|code comments?|wiki|screenshots? in|faq)\b/),
  s(
    'docs',
    1.5,
    'body',
    'names the documentation',
    /\b(the (docs|documentation|readme|guide|tutorial)|docs? (say|says|page|site|website|mention)|typos?|misspell\w*|broken links?|dead links?|undocumented|not documented|isn'?t documented|\.md\b)/,
  ),
  s(
    'docs',
    1.5,
    'both',
    'mentions examples or wording',
    /\b(example in the|examples? (is|are) (wrong|outdated|broken)|outdated|out of date|wording|misleading|unclear (description|explanation|wording)|clarify (in|the) (docs|readme)|explain (in|the)|mention (in|that))\b/,
  ),

  // ── security ──────────────────────────────────────────────────────────────────────────────
  s(
    'security',
    5,
    'both',
    'names a vulnerability',
    /\b(cve-\d{4}-\d{3,}|ghsa-[\w-]+|xss|cross[- ]site (scripting|request forgery)|csrf|xsrf|sql ?injection|sqli|command injection|code injection|(html|header|ldap|xml|xxe|template) injection|rce|remote code execution|arbitrary (code|command|file)|ssrf|server[- ]side request forgery|path traversal|directory traversal|open redirect|privilege escalation|auth(entication|orization)? bypass|bypass(es)? (authentication|authorization|auth|the (login|permission))|vulnerabilit(y|ies)|vulnerable|exploit(s|able|ed)?|prototype pollution|redos|session fixation|clickjacking|insecure deserial\w*|timing attack|security (issue|hole|flaw|bug|problem|vulnerability|advisory|risk|concern))\b/,
  ),
  s(
    'security',
    4,
    'both',
    'exposes a secret or an access check',
    /\b((token|secret|password|credential|api[- ]?key|private key)s? (is |are |gets? |get |being )?(leak(s|ed)?|exposed|logged|printed|visible|in (plain ?text|clear ?text|the logs?|url))|(leak(s|ed|ing)?|expos(es|ed|ing)|log(s|ged|ging)|print(s|ed|ing)) (the |my |our |user |users' |all )?([\w-]+ ){0,2}(tokens?|secrets?|passwords?|credentials?|api[- ]?keys?|private keys?)|plain ?text passwords?|unauthori[sz]ed access|attacker|malicious|injection|(can be |be |is |are )?bypass(ed|es|ing)?|forge[ds]?|forging|spoof(ed|ing)?|impersonat\w*|escalat(e|ion))\b/,
  ),
  s(
    'security',
    2,
    'both',
    'raises security',
    /\b(security|insecure|unsafe|sanitiz\w*|unsanitized|unescaped|escaping|cors|csp|content security policy|denial of service|dos attack|permissions? (check|bypass)|brute[- ]force|rate limit bypass|cvss|responsible disclosure|phishing)\b/,
  ),
  s(
    'security',
    2,
    'body',
    'shows an exploit payload',
    /<script>|javascript:alert|onerror\s*=|'\s*or\s*'?1'?\s*=\s*'?1|\.\.\/\.\.\/|\$\{jndi:|;\s*(rm|cat|curl|wget)\s/,
  ),

  // ── performance ───────────────────────────────────────────────────────────────────────────
  s(
    'performance',
    4,
    'both',
    'reports slowness',
    /\b(slow(ly|er|ness|s|ed down|s down)?|very slow|too slow|performance|perf|latency|memory leaks?|leaks? memory|leaking memory|high (cpu|memory|ram|load)|cpu (usage|spikes?|load|at 100|100)|\d+ ?% cpu|memory (usage|consumption|footprint|grows|keeps growing)|ram usage|lag(gy|s|ging)?|sluggish|unresponsive|bottleneck|throughput|n\+1( queries)?|quadratic|o\(n\^?2\)|blocks? the (main thread|event loop|ui)|takes? (forever|ages|too long|a long time|(\d+|several|many|a few) (seconds|minutes|hours|secs|mins|ms)))\b/,
  ),
  s(
    'performance',
    2,
    'both',
    'measures speed or size',
    /\b((reduce|decrease|cut|lower|shrink|improve|optimi[sz]e) (the )?([\w-]+ )?(bundle|binary|image|memory|cpu|startup|build|load|render|response|page|query) (size|time|usage|footprint)|speed( ?up)?|faster|optimi[sz](e|ation|ing)|benchmarks?|profil(e|er|ing)|flame ?graph|heap (snapshot|size|usage)|garbage collect(ion|or)|gc pauses?|bundle size|bloat(ed)?|out of memory|oom|expensive|heavy|fps|frame rate|jank\w*|cold start|startup time|load time|response time|p9[59]|\d+(\.\d+)? ?(ms|milliseconds)\b)\b/,
  ),
  s(
    'performance',
    1.5,
    'body',
    'gives a timing',
    /\b\d+(\.\d+)? ?(s|sec|secs|seconds|minutes|mins|gb|mb)\b[^.\n]{0,80}?\b(instead of|vs\.?|compared|before|to load|to start|to respond|to render|to complete|to finish|to build)\b/,
  ),
];
