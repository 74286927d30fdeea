/**
 * The provider formats: each with a fixed prefix or shape the provider chose so scanners can find it
 * (GitHub's `ghp_`, Slack's `xoxb-`, AWS's `AKIA`…), the cheap substrings that must be on the line
 * before its bounded regex runs, and what rules out documentation keys and look-alikes.
 */
import type { ProviderFormat } from './secrets-providers';
import { isSnowflake, mentionsNear as near, real } from './secrets-providers';
import { charClasses, entropy } from './secrets-values';

const rotate = (what: string) =>
  `Revoke this ${what} now (it is in the repository's history even after a fix), then load it from a secret store or environment variable.`;
/** Stripe's own documentation keys (public, test mode). */
const STRIPE_DOCS = new Set(['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_BQokikJOvBiI2HlWgH4olfQ2', 'sk_test_26PHem9AhJZvU623DfE1x4sd']);
/** The Azurite / storage emulator account key, published by Microsoft. */
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const PROVIDERS: readonly ProviderFormat[] = [
  {
    id: 'secrets.aws-access-key-id',
    title: 'AWS access key id',
    label: 'AWS access key id',
    severity: 'critical',
    fix: rotate('AWS access key in IAM'),
    example: 'aws_access_key_id = AKIAQ3EGRT5YKZ7WLN4M',
    needles: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    re: /(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Za-z0-9])/g,
    accept: (h) => real(h) && (h.value.startsWith('ASIA') ? 'high' : true),
  },
  {
    id: 'secrets.github-token',
    title: 'GitHub token',
    label: 'GitHub token',
    severity: 'critical',
    fix: rotate('GitHub token (Settings → Developer settings)'),
    example: 'GITHUB_TOKEN=ghp_8fK2mQ9xLr4TzW7vYb1NcD3hJs6PeA0uGi5o',
    needles: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    re: /(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,240})(?![A-Za-z0-9_])/g,
  },
  {
    id: 'secrets.gitlab-token',
    title: 'GitLab token',
    label: 'GitLab token',
    severity: 'critical',
    fix: rotate('GitLab token'),
    example: 'private_token: glpat-Xk3vR8mQ2pLw9TzN4bYc',
    needles: ['glpat-', 'glptt-', 'gldt-', 'glrt-', 'glcbt-', 'glft-', 'glimt-', 'glsoat-', 'gloas-', 'GR1348941'],
    re: /(?<![A-Za-z0-9_-])((?:glpat|gldt|glrt|glcbt|glft|glimt|glsoat|gloas)-[A-Za-z0-9_.-]{20,100}|glptt-[0-9a-f]{40}|GR1348941[A-Za-z0-9_-]{20,40})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'secrets.slack-token',
    title: 'Slack token',
    label: 'Slack token',
    severity: 'critical',
    fix: rotate('Slack token (api.slack.com/apps)'),
    example: "const slack = new WebClient('xoxb-2817465930-5528179034612-hQ4vLm8TzR2pX6wKc9NbJy3D');",
    needles: ['xox', 'xapp-'],
    re: /(?<![A-Za-z0-9-])(xox[abposre]-\d{1,16}-[0-9A-Za-z-]{16,250}|xapp-\d-[A-Z0-9]{8,14}-\d{8,16}-[a-z0-9]{32,80})(?![A-Za-z0-9-])/g,
  },
  {
    id: 'secrets.slack-webhook',
    title: 'Slack incoming webhook',
    label: 'Slack webhook URL',
    severity: 'high',
    fix: rotate('Slack webhook URL'),
    example: 'SLACK_WEBHOOK=https://hooks.slack.com/services/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',
    needles: ['hooks.slack.com'],
    re: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9_-]{6,20}\/[A-Za-z0-9_-]{6,20}\/[A-Za-z0-9_-]{16,80})/g,
  },
  {
    id: 'secrets.stripe-secret-key',
    title: 'Stripe secret key',
    label: 'Stripe secret key',
    severity: 'critical',
    fix: `${rotate('Stripe key (Dashboard → Developers → API keys)')} Test-mode keys (sk_test_) are reported as medium: they expose test data and often sit next to live ones; Stripe's published documentation keys are not reported.`,
    example: "Stripe.api_key = 'sk_live_51HqLyjWDarjtT1zdp7dcR4mQ8xLw2ZbN'",
    needles: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_', 'whsec_'],
    re: /(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9+/=]{24,80})(?![A-Za-z0-9_])/g,
    accept: (h) => {
      if (STRIPE_DOCS.has(h.value) || !real(h)) return false;
      if (h.value.startsWith('whsec_')) return 'high';
      if (h.value.includes('_test_')) return h.file.isTest ? false : 'medium';
      return true;
    },
  },
  {
    id: 'secrets.npm-token',
    title: 'npm access token',
    label: 'npm token',
    severity: 'critical',
    fix: rotate('npm token (npmjs.com → Access Tokens)'),
    example: '//registry.npmjs.org/:_authToken=npm_Qk8vR3mX9pLw2TzN7bYc4HdJs6FeA1uGi0oV',
    needles: ['npm_', '_authToken='],
    re: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])|_authToken=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g,
  },
  {
    id: 'secrets.openai-api-key',
    title: 'OpenAI API key',
    label: 'OpenAI API key',
    severity: 'critical',
    fix: rotate('OpenAI key (platform.openai.com → API keys)'),
    example: 'OPENAI_API_KEY=sk-proj-R4mQ8xLw2ZbN7vKc9TdP3hJs6FeA1uGiT3BlbkFJ0oVy5nWq8rXz2',
    needles: ['sk-'],
    re: /(?<![A-Za-z0-9_-])(sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,250})(?![A-Za-z0-9_-])/g,
    accept: (h) =>
      !h.value.startsWith('sk-ant-') &&
      (h.value.includes('T3BlbkFJ') ||
        /^sk-(proj|svcacct|admin)-[A-Za-z0-9_-]{40,}$/.test(h.value) ||
        /^sk-[A-Za-z0-9]{48}$/.test(h.value)) &&
      charClasses(h.value) >= 3 &&
      real(h),
  },
  {
    id: 'secrets.anthropic-api-key',
    title: 'Anthropic API key',
    label: 'Anthropic API key',
    severity: 'critical',
    fix: rotate('Anthropic key (console.anthropic.com → API keys)'),
    example: 'ANTHROPIC_API_KEY=sk-ant-api03-Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mK',
    needles: ['sk-ant-'],
    re: /(?<![A-Za-z0-9_-])(sk-ant-(?:[a-z]{3,8}\d{2}-)?[A-Za-z0-9_-]{32,200})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'secrets.google-api-key',
    title: 'Google API key',
    label: 'Google API key',
    severity: 'high',
    fix: `${rotate('Google API key (Cloud console → Credentials)')} If it must ship to browsers (Firebase, Maps), restrict it by referrer and API.`,
    example: "const mapsKey = 'AIzaSyD4kR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0';",
    needles: ['AIza'],
    re: /(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'secrets.twilio',
    title: 'Twilio credential',
    label: 'Twilio credential',
    severity: 'critical',
    fix: rotate('Twilio auth token or API key (Console → Account → API keys)'),
    example: 'twilio_client = Client(account_sid, "4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e")',
    needles: [],
    fileNeedle: /twilio/i,
    re: /(?<![A-Za-z0-9])(SK[0-9a-fA-F]{32}|[0-9a-f]{32})(?![A-Za-z0-9])/g,
    accept: (h) => near(h, /twilio/i) && (h.value.startsWith('SK') || /token|auth|secret|Client\(/i.test(h.text)) && real(h),
  },
  {
    id: 'secrets.sendgrid-api-key',
    title: 'SendGrid API key',
    label: 'SendGrid API key',
    severity: 'critical',
    fix: rotate('SendGrid key (Settings → API Keys)'),
    example: "SENDGRID_API_KEY='SG.Xk3vR8mQ2pLw9TzN4bYc7g.HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp9yQe3RsU7w'",
    needles: ['SG.'],
    re: /(?<![A-Za-z0-9_-])(SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'secrets.azure-storage-key',
    title: 'Azure storage or Service Bus key',
    label: 'Azure account key',
    severity: 'critical',
    fix: rotate('Azure key (storage account → Access keys)'),
    example:
      'DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey=Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp9yQe3RsU7wZa1Nf6Pd0Hj2Vg5Bx8Ct4Em==;',
    needles: ['AccountKey=', 'SharedAccessKey='],
    re: /(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,100}={0,2})/g,
    accept: (h) => h.value !== AZURITE_KEY && real(h) && entropy(h.value) > 4,
  },
  {
    id: 'secrets.shopify-token',
    title: 'Shopify token',
    label: 'Shopify access token',
    severity: 'critical',
    fix: rotate('Shopify token (app settings)'),
    example: 'SHOPIFY_ACCESS_TOKEN=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',
    needles: ['shpat_', 'shpss_', 'shpca_', 'shppa_'],
    re: /(?<![A-Za-z0-9_])(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})(?![A-Za-z0-9_])/g,
  },
  {
    id: 'secrets.huggingface-token',
    title: 'Hugging Face token',
    label: 'Hugging Face token',
    severity: 'critical',
    fix: rotate('Hugging Face token (Settings → Access Tokens)'),
    example: 'HF_TOKEN=hf_QkvRmXpLwTzNbYcHdJsFeAuGiOoVnWqrXzmK',
    needles: ['hf_', 'api_org_'],
    re: /(?<![A-Za-z0-9_])((?:hf_|api_org_)[A-Za-z0-9]{34,40})(?![A-Za-z0-9_])/g,
    accept: (h) => /[a-z]/.test(h.value.slice(3)) && /[A-Z]/.test(h.value.slice(3)) && real(h),
  },
  {
    id: 'secrets.discord-bot-token',
    title: 'Discord bot token',
    label: 'Discord bot token',
    severity: 'critical',
    fix: rotate('Discord bot token (Developer Portal → Bot → Reset Token)'),
    example: "client.login('MTEzNDU2Nzg5MDEyMzQ1Njc4OQ.GkR8mQ.Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5n');",
    // base64 of a snowflake's first two digits: 1-3 → M, 4-7 → N, 8-9 → O, then T/j/z/D
    needles: ['MT', 'Mj', 'Mz', 'ND', 'NT', 'Nj', 'Nz', 'OD', 'OT'],
    re: /(?<![A-Za-z0-9_.-])([MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40})(?![A-Za-z0-9_.-])/g,
    accept: (h) => isSnowflake(h.value.split('.')[0] ?? '') && real(h),
  },
  {
    id: 'secrets.discord-webhook',
    title: 'Discord webhook',
    label: 'Discord webhook URL',
    severity: 'high',
    fix: rotate('Discord webhook (channel settings → Integrations)'),
    example:
      'DISCORD_WEBHOOK=https://discord.com/api/webhooks/1134567890123456789/Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rXz2mKc4TbLp9yQe3RsU7wZa1Nf6Pd0',
    needles: ['discord'],
    re: /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{17,20}\/([A-Za-z0-9_-]{60,70})/g,
  },
  {
    id: 'secrets.mailgun-api-key',
    title: 'Mailgun API key',
    label: 'Mailgun API key',
    severity: 'critical',
    fix: rotate('Mailgun key (API Security)'),
    example: "MAILGUN_API_KEY = 'key-4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e'",
    needles: ['key-', 'ailgun', 'AILGUN'],
    re: /(?<![A-Za-z0-9_-])(key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![A-Za-z0-9_-])/g,
    accept: (h) => (h.value.startsWith('key-') || near(h, /mailgun/i, 3)) && real(h),
  },
  {
    id: 'secrets.square-token',
    title: 'Square access token',
    label: 'Square token',
    severity: 'critical',
    fix: rotate('Square token (Developer Dashboard → Credentials)'),
    example: "SQUARE_ACCESS_TOKEN = 'sq0atp-Xk3vR8mQ2pLw9TzN4bYc7H'",
    needles: ['sq0atp-', 'sq0csp-', 'EAAA'],
    re: /(?<![A-Za-z0-9_-])(sq0atp-[0-9A-Za-z_-]{22}|sq0csp-[0-9A-Za-z_-]{43}|EAAA[A-Za-z0-9_-]{60})(?![A-Za-z0-9_-])/g,
    accept: (h) => (!h.value.startsWith('EAAA') || near(h, /square/i)) && real(h),
  },
  {
    id: 'secrets.databricks-token',
    title: 'Databricks token',
    label: 'Databricks token',
    severity: 'critical',
    fix: rotate('Databricks token (User Settings → Access tokens)'),
    example: 'DATABRICKS_TOKEN=dapi4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e',
    needles: ['dapi'],
    re: /(?<![A-Za-z0-9_])(dapi[a-f0-9]{32}(?:-\d)?)(?![A-Za-z0-9_])/g,
  },
  {
    id: 'secrets.digitalocean-token',
    title: 'DigitalOcean token',
    label: 'DigitalOcean token',
    severity: 'critical',
    fix: rotate('DigitalOcean token (API → Tokens)'),
    example: 'DIGITALOCEAN_TOKEN=dop_v1_4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e9b3d5f7a2c4e6b8d0f1a3c5e7b9d2f4a',
    needles: ['_v1_'],
    re: /(?<![A-Za-z0-9_])(do[opr]_v1_[a-f0-9]{64})(?![A-Za-z0-9_])/g,
  },
  {
    id: 'secrets.pypi-token',
    title: 'PyPI upload token',
    label: 'PyPI token',
    severity: 'critical',
    fix: rotate('PyPI token (Account settings → API tokens)'),
    example: 'password = pypi-AgEIcHlwaS5vcmcCJGQ4ZjM2NzE5LWE3YjItNDk1Yy1iNmE4LTJlOWQxYzRmODNhNQACKlszLCJmN2',
    needles: ['pypi-AgE'],
    re: /(?<![A-Za-z0-9_-])(pypi-AgE[A-Za-z0-9_-]{50,300})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'secrets.doppler-token',
    title: 'Doppler token',
    label: 'Doppler token',
    severity: 'critical',
    fix: rotate('Doppler token'),
    example: 'DOPPLER_TOKEN=dp.pt.Xk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi0oV5nWq8rX',
    needles: ['dp.'],
    re: /(?<![A-Za-z0-9_.])(dp\.(?:pt|st|sa|ct|scim|audit)\.(?:[a-z0-9_-]{1,40}\.)?[A-Za-z0-9]{40,44})(?![A-Za-z0-9])/g,
  },
  {
    id: 'secrets.telegram-bot-token',
    title: 'Telegram bot token',
    label: 'Telegram bot token',
    severity: 'critical',
    fix: rotate('Telegram bot token (@BotFather → /revoke)'),
    example: 'TELEGRAM_BOT_TOKEN=5829417063:AAHk3vR8mQ2pLw9TzN4bYc7HdJs6FeA1uGi',
    needles: [':AA'],
    re: /(?:(?<=\/bot)|(?<![A-Za-z0-9_:]))(\d{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/g, // also inside api.telegram.org/bot<token>/
  },
];
