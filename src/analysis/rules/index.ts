/** Every rule, by class and language. Rule ids are stable: a rule that goes keeps its id retired. */
import type { Rule } from '../types';
import { COMPLEXITY_RULES } from './complexity';
import { GO_RULES } from './go';
import { JAVA_RULES } from './java';
import { JS_RULES } from './javascript';
import { PYTHON_RULES } from './python';
import { RUBY_RULES } from './ruby';
import { SECRET_RULES } from './secrets';
import { WORKFLOW_RULES } from './workflows';

export const ALL_RULES: readonly Rule[] = [
  ...SECRET_RULES,
  ...JS_RULES,
  ...PYTHON_RULES,
  ...GO_RULES,
  ...JAVA_RULES,
  ...RUBY_RULES,
  ...WORKFLOW_RULES,
  ...COMPLEXITY_RULES,
];

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
