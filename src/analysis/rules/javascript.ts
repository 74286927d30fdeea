import type { Rule } from '../types';

export const JS_RULES: readonly Rule[] = [];
