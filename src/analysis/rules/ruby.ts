import type { Rule } from '../types';

export const RUBY_RULES: readonly Rule[] = [];
