/**
 * Format rules for messaging, payments, SaaS and observability tokens, and for crypt(3)-style
 * password hashes, from the issuers' documented shapes. Publishable keys meant to be public
 * (Stripe `pk_`, Flutterwave `FLWPUBK`, Mapbox `pk.`) are left out on purpose.
 */
import { AFTER, B, back, BD, E, ED, needsLetterAndDigit, ON_RUNS, rule, search, type RuleCheck, type TokenRule } from './token-rule.js';

/** Stripe test-mode keys cannot move money: still a credential, with less at stake. */
const stripeMode: RuleCheck = (value) => (value.includes('_test_') ? 0.8 : true);

const MESSAGING: readonly TokenRule[] = [
  rule('SLACK_TOKEN', 0.95, ['xox'], String.raw`${BD}(?:xoxe\.)?xox[abeoprs]-\d[0-9A-Za-z-]{18,250}${ED}`),
  rule('SLACK_TOKEN', 0.95, ['xapp-'], String.raw`${BD}xapp-\d-[A-Z0-9]{8,14}-\d{10,14}-[a-f0-9]{32,80}${ED}`),
  rule('SLACK_WEBHOOK', 0.95, ['hooks.slack.com/'], String.raw`(?<=hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9_/+-]{20,200}(?![A-Za-z0-9_/+-])`, { anchor: search() }),
  rule('DISCORD_TOKEN', 0.8, [], String.raw`${BD}[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}${ED}`, {
    check: needsLetterAndDigit,
    anchor: ON_RUNS,
  }),
  rule('DISCORD_WEBHOOK', 0.95, ['/api/webhooks/'], String.raw`(?<=discord(?:app)?\.com/api/webhooks/)\d{17,20}/[A-Za-z0-9_-]{60,68}${ED}`, { anchor: AFTER }),
  rule(
    'MSTEAMS_WEBHOOK',
    0.95,
    ['/IncomingWebhook/'],
    String.raw`(?<=/IncomingWebhook/)[a-f0-9]{32}/[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}${E}`,
    { anchor: AFTER },
  ),
  rule('TELEGRAM_BOT_TOKEN', 0.85, [':AA'], String.raw`${B}\d{8,10}:AA[0-9A-Za-z_-]{33}${ED}`, { anchor: back(8, 9, 10) }),
  rule('TWILIO_API_KEY', 0.8, ['SK'], String.raw`${B}SK[0-9a-fA-F]{32}${E}`),
  rule('SENDGRID_API_KEY', 0.97, ['SG.'], String.raw`${B}SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}${ED}`),
  rule('SENDINBLUE_API_KEY', 0.97, ['xkeysib-', 'xsmtpsib-'], String.raw`${BD}x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}${E}`),
  rule('MAILGUN_API_KEY', 0.75, ['key-'], String.raw`(?<![A-Za-z0-9_-])key-[a-z0-9]{32}${E}`, { check: needsLetterAndDigit }),
  rule('MAILCHIMP_API_KEY', 0.9, ['-us'], String.raw`${B}[0-9a-f]{32}-us\d{1,2}(?![A-Za-z0-9])`, { anchor: back(32) }),
];

const PAYMENTS_AND_COMMERCE: readonly TokenRule[] = [
  rule('STRIPE_KEY', 0.95, ['sk_', 'rk_'], String.raw`${B}[sr]k_(?:live|test|prod)_[0-9A-Za-z]{10,247}${E}`, { check: stripeMode }),
  rule('STRIPE_KEY', 0.9, ['whsec_'], String.raw`${B}whsec_[A-Za-z0-9]{32,64}${E}`),
  rule('SQUARE_TOKEN', 0.95, ['sq0atp-', 'sq0csp-'], String.raw`${BD}sq0(?:atp-[A-Za-z0-9_-]{22}|csp-[A-Za-z0-9_-]{43})${ED}`),
  rule('SQUARE_TOKEN', 0.8, ['EAAA'], String.raw`${B}EAAA[A-Za-z0-9_+=-]{60}${ED}`),
  rule('SHOPIFY_TOKEN', 0.95, ['shpat_', 'shpca_', 'shppa_', 'shpss_'], String.raw`${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`),
  rule('FLUTTERWAVE_KEY', 0.95, ['FLWSECK'], String.raw`${B}FLWSECK(?:_TEST)?-[a-h0-9]{32}-X${E}`),
  rule('FLUTTERWAVE_KEY', 0.9, ['FLWSECK_TEST'], String.raw`${B}FLWSECK_TEST-?[a-h0-9]{12}${E}`),
  rule('DUFFEL_TOKEN', 0.95, ['duffel_'], String.raw`${B}duffel_(?:test|live)_[A-Za-z0-9_=-]{43}${ED}`),
  rule('SHIPPO_TOKEN', 0.95, ['shippo_'], String.raw`${B}shippo_(?:live|test)_[a-f0-9]{40}${E}`),
  rule('EASYPOST_KEY', 0.95, ['EZAK', 'EZTK'], String.raw`${B}EZ[AT]K[A-Za-z0-9]{54}${E}`),
];

const SAAS: readonly TokenRule[] = [
  rule('FACEBOOK_TOKEN', 0.85, ['EAAM', 'EAAC'], String.raw`${B}EAA[MC][A-Za-z0-9]{100,1000}${E}`),
  rule('FACEBOOK_TOKEN', 0.7, [], String.raw`${B}\d{15,16}(?:\||%7C)[A-Za-z0-9_-]{27,40}${ED}`, { check: needsLetterAndDigit, anchor: ON_RUNS }),
  rule('TWITTER_BEARER_TOKEN', 0.85, ['AAAAAAAAAAAAAAAAAAAAA'], String.raw`${B}A{22}[A-Za-z0-9%]{80,120}${E}`, { allowRegular: true }),
  rule('DROPBOX_TOKEN', 0.85, ['sl.'], String.raw`${B}sl\.(?:u\.)?[A-Za-z0-9_=-]{120,1400}${ED}`),
  rule('NOTION_TOKEN', 0.9, ['ntn_'], String.raw`${B}ntn_\d{11}[A-Za-z0-9]{35}${E}`, { check: (v) => /[A-Za-z]/.test(v.slice(15)) }),
  rule('LINEAR_API_KEY', 0.95, ['lin_api_'], String.raw`${B}lin_api_[A-Za-z0-9]{40}${E}`),
  rule('POSTMAN_API_KEY', 0.97, ['PMAK-'], String.raw`${BD}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${E}`),
  rule('FIGMA_TOKEN', 0.95, ['figd_'], String.raw`${B}figd_[A-Za-z0-9_-]{40}${ED}`),
  rule('FRAMEIO_TOKEN', 0.95, ['fio-u-'], String.raw`${BD}fio-u-[A-Za-z0-9_=.-]{64}${ED}`),
  rule('TYPEFORM_TOKEN', 0.95, ['tfp_'], String.raw`${B}tfp_[A-Za-z0-9_=.-]{59}${ED}`),
  rule('README_API_KEY', 0.95, ['rdme_'], String.raw`${B}rdme_[A-Za-z0-9]{70}${E}`),
  rule('SETTLEMINT_TOKEN', 0.9, ['sm_pat_', 'sm_aat_', 'sm_sat_'], String.raw`${B}sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}${E}`),
  rule('ADAFRUIT_KEY', 0.9, ['aio_'], String.raw`${B}aio_[A-Za-z0-9]{28}${E}`),
  rule('ADOBE_CLIENT_SECRET', 0.9, ['p8e-'], String.raw`${BD}p8e-[A-Za-z0-9_-]{32}${ED}`),
  rule('AIRTABLE_TOKEN', 0.95, ['pat'], String.raw`${B}pat[A-Za-z0-9]{14}\.[a-f0-9]{64}${E}`),
  rule('INTRA42_SECRET', 0.95, ['s-s4t2'], String.raw`${BD}s-s4t2(?:ud|af)-[a-f0-9]{64}${E}`),
  rule('DEFINED_NETWORKING_KEY', 0.95, ['dnkey-'], String.raw`${BD}dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}${ED}`),
  rule('SALESFORCE_TOKEN', 0.9, [], String.raw`${B}00[A-Za-z0-9]{13}![A-Za-z0-9._]{96}(?![A-Za-z0-9._])`, { anchor: ON_RUNS }),
  rule('CONTENTFUL_TOKEN', 0.95, ['CFPAT-'], String.raw`${BD}CFPAT-[A-Za-z0-9_-]{43}${ED}`),
  rule('HUBSPOT_TOKEN', 0.9, ['pat-na1-', 'pat-eu1-'], String.raw`${BD}pat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}${E}`),
  rule('ASANA_TOKEN', 0.9, [], String.raw`(?<![\w/])(?:[0-9]/[0-9]{16}|2/[0-9]{16}/[0-9]{16}):[a-f0-9]{32}${E}`, { anchor: ON_RUNS }),
  rule('MAPBOX_TOKEN', 0.9, ['sk.eyJ', 'tk.eyJ'], String.raw`${B}[st]k\.eyJ[A-Za-z0-9_-]{40,300}\.[A-Za-z0-9_-]{20,30}${ED}`),
  rule('TWITCH_STREAM_KEY', 0.9, ['live_'], String.raw`${B}live_\d{6,12}_[A-Za-z0-9]{30}${E}`),
  rule('FIRECRAWL_API_KEY', 0.85, ['fc-'], String.raw`${BD}fc-[a-f0-9]{32}${E}`),
  rule('DJANGO_SECRET_KEY', 0.95, ['django-insecure-'], String.raw`django-insecure-[^\s'"\\]{30,100}`),
  rule('AGE_SECRET_KEY', 0.99, ['AGE-SECRET-KEY-1'], String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}${E}`),
];

const OBSERVABILITY: readonly TokenRule[] = [
  rule('NEW_RELIC_KEY', 0.95, ['NRAK-'], String.raw`${BD}NRAK-[A-Z0-9]{27}${E}`),
  rule('NEW_RELIC_KEY', 0.9, ['NRJS-', 'NRAA-', 'NRRA-'], String.raw`${BD}(?:NRJS-[a-f0-9]{19}|NRAA-[a-f0-9]{27}|NRRA-[a-f0-9]{42})${E}`),
  rule('NEW_RELIC_KEY', 0.9, ['NRII-', 'NRIQ-'], String.raw`${BD}NRI[IQ]-[A-Za-z0-9_-]{32}${ED}`),
  rule('NEW_RELIC_KEY', 0.85, ['NRAL'], String.raw`${B}[a-z0-9]{36}NRAL${E}`, { anchor: back(36) }),
  rule('GRAFANA_TOKEN', 0.9, ['eyJrIjoi'], String.raw`${B}eyJrIjoi[A-Za-z0-9]{70,400}={0,3}(?![A-Za-z0-9=])`),
  rule('GRAFANA_TOKEN', 0.9, ['glc_'], String.raw`${B}glc_[A-Za-z0-9+/]{32,400}={0,3}(?![A-Za-z0-9+/=])`),
  rule('GRAFANA_TOKEN', 0.97, ['glsa_'], String.raw`${B}glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}${E}`),
  rule('SENTRY_TOKEN', 0.95, ['sntrys_'], String.raw`${B}sntrys_eyJpYXQiO[A-Za-z0-9+/=_]{50,1000}(?![A-Za-z0-9+/=_])`),
  rule('SENTRY_TOKEN', 0.95, ['sntryu_'], String.raw`${B}sntryu_[a-f0-9]{64}${E}`),
  rule('DYNATRACE_TOKEN', 0.97, ['dt0c01.'], String.raw`${B}dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}${E}`),
  rule('SEGMENT_TOKEN', 0.85, ['sgp_'], String.raw`${B}sgp_[A-Za-z0-9]{64}${E}`),
];

/** crypt(3)-style and Kerberos hashes: crackable offline, so a credential in their own right. */
const PASSWORD_HASHES: readonly TokenRule[] = [
  rule('PASSWORD_HASH', 0.9, ['$2'], String.raw`\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}(?![./A-Za-z0-9])`),
  rule('PASSWORD_HASH', 0.85, ['$1$', '$apr1$'], String.raw`\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}(?![./A-Za-z0-9])`),
  rule('PASSWORD_HASH', 0.9, ['$5$', '$6$'], String.raw`\$[56]\$(?:rounds=\d{1,9}\$)?[./A-Za-z0-9]{1,16}\$(?:[./A-Za-z0-9]{86}|[./A-Za-z0-9]{43})(?![./A-Za-z0-9])`),
  rule('PASSWORD_HASH', 0.85, ['$8$', '$9$'], String.raw`\$[89]\$[./A-Za-z0-9]{14}\$[./A-Za-z0-9]{43}(?![./A-Za-z0-9])`),
  rule('PASSWORD_HASH', 0.9, ['$argon2'], String.raw`\$argon2(?:id|i|d)\$v=\d{1,3}\$m=\d{1,9},t=\d{1,9},p=\d{1,3}\$[A-Za-z0-9+/]{8,128}\$[A-Za-z0-9+/]{16,256}`),
  rule('PASSWORD_HASH', 0.9, ['$krb5'], String.raw`\$krb5(?:asrep|tgs)\$(?:17|18|23)\$(?:[^$:\s]{1,128}[:$])?[a-f0-9]{24,32}\$[a-f0-9]{64,16384}${E}`),
];

/** Messaging, payments, SaaS, observability and password-hash rules. */
export const SAAS_RULES: readonly TokenRule[] = [...MESSAGING, ...PAYMENTS_AND_COMMERCE, ...SAAS, ...OBSERVABILITY, ...PASSWORD_HASHES];
