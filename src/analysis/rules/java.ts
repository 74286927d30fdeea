import type { Rule } from '../types';

export const JAVA_RULES: readonly Rule[] = [];
