import type { Rule } from '../types';

export const WORKFLOW_RULES: readonly Rule[] = [];
