import type { Rule } from '../types';

export const PYTHON_RULES: readonly Rule[] = [];
