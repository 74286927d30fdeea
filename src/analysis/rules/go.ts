import type { Rule } from '../types';

export const GO_RULES: readonly Rule[] = [];
