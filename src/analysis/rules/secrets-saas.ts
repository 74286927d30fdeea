/**
 * Smaller providers whose tokens carry an unmistakable prefix, under one rule id
 * (`secrets.saas-token`); the message names the provider. Each shape is exact (prefix, alphabet,
 * length), so no context is needed — only the usual "obviously fake" check.
 */
import type { ProviderFormat } from './secrets-providers';

/** [label, regex source of the whole token]. */
const SHAPES: readonly (readonly [string, string])[] = [
  ['Mailchimp API key', '[0-9a-f]{32}-us[0-9]{1,2}'],
  ['Linear API key', 'lin_api_[A-Za-z0-9]{40}'],
  ['Grafana service-account token', 'glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}'],
  ['Grafana Cloud token', 'glc_[A-Za-z0-9+/]{32,400}={0,2}'],
  ['New Relic API key', 'NRAK-[A-Z0-9]{27}'],
  ['Sentry auth token', 'sntry[su]_[A-Za-z0-9+/=_-]{40,300}'],
  ['Postman API key', 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}'],
  ['HashiCorp Vault token', 'hvs\\.[A-Za-z0-9_-]{90,120}'],
  ['Terraform Cloud token', '[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_-]{60,70}'],
  ['Atlassian API token', 'ATATT3[A-Za-z0-9_=-]{180,200}'],
  ['Fly.io token', 'fo1_[A-Za-z0-9_-]{43}'],
  ['age secret key', 'AGE-SECRET-KEY-1[0-9A-Z]{58}'],
  ['Google OAuth client secret', 'GOCSPX-[A-Za-z0-9_-]{28}'],
  ['Supabase access token', 'sbp_[a-f0-9]{40}'],
  ['Buildkite token', 'bkua_[a-f0-9]{40}'],
  ['Groq API key', 'gsk_[A-Za-z0-9]{52}'],
  ['Replicate API token', 'r8_[A-Za-z0-9]{37}'],
  ['xAI API key', 'xai-[A-Za-z0-9]{80}'],
  ['Perplexity API key', 'pplx-[A-Za-z0-9]{48}'],
];
const PREFIXES = SHAPES.map(([label, source]) => [label, new RegExp(`^(?:${source})$`)] as const);

export const SAAS_TOKENS: ProviderFormat = {
  id: 'secrets.saas-token',
  title: 'Service API token',
  label: 'Service API token',
  severity: 'critical',
  fix: 'Revoke this token in the service that issued it (the message names it) — it stays in the repository history — then load it from a secret store or environment variable.',
  example: 'LINEAR_API_KEY=lin_api_Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq',
  needles: [
    '-us',
    'lin_api_',
    'glsa_',
    'glc_',
    'NRAK-',
    'sntry',
    'PMAK-',
    'hvs.',
    '.atlasv1.',
    'ATATT3',
    'fo1_',
    'AGE-SECRET-KEY-1',
    'GOCSPX-',
    'sbp_',
    'bkua_',
    'gsk_',
    'r8_',
    'xai-',
    'pplx-',
  ],
  re: new RegExp(`(?<![A-Za-z0-9_.+/-])(${SHAPES.map(([, s]) => `(?:${s})`).join('|')})(?![A-Za-z0-9_.+/=-])`, 'g'),
  labelOf: (value) => PREFIXES.find(([, re]) => re.test(value))?.[0] ?? 'Service API token',
};
