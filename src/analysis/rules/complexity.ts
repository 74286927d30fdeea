import type { Rule } from '../types';

export const COMPLEXITY_RULES: readonly Rule[] = [];
