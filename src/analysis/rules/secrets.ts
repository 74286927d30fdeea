import type { Rule } from '../types';

export const SECRET_RULES: readonly Rule[] = [];
