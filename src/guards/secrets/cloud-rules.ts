/**
 * Format rules for cloud providers, source hosting, package registries and AI APIs, from the
 * issuers' documented token shapes (the same shapes gitleaks and Nosey Parker match). Confidence
 * is high where a fixed prefix and an exact length (or a checksum) pin the format down.
 */
import { hasTokenChecksum } from './token-checksum.js';
import { AFTER, B, back, BD, E, ED, needsLetterAndDigit, ON_RUNS, rule, search, type RuleCheck, type TokenRule } from './token-rule.js';

/** Distinct characters after a fixed prefix: issued keys use many, test strings a few. */
function variedAfter(prefixLength: number, min: number): RuleCheck {
  return (value) => new Set(value.slice(prefixLength)).size >= min;
}

/** GitHub and npm tokens carry a CRC-32: a valid one makes the match near certain. */
function checksummed(prefixLength: number): RuleCheck {
  return (value) => (hasTokenChecksum(value, value.slice(0, prefixLength)) ? 0.99 : true);
}

/** An Azure SAS signature only counts inside a SAS query (a version or permissions field). */
const inSasQuery: RuleCheck = (_value, text, start) => {
  const before = text.slice(Math.max(0, start - 600), start);
  return /[?&;](?:sv|sp|se|sr|spr|srt|ss)=/.test(before);
};

/** GitLab token prefixes (personal, deploy, runner, CI job, trigger, feed, incoming mail, agent, OAuth, SCIM, feature flags, workspace). */
const GITLAB_PREFIXES = ['glpat', 'gldt', 'glrt', 'glrtr', 'glcbt', 'glptt', 'glft', 'glimt', 'glagent', 'gloas', 'glsoat', 'glffct', 'glwt'];

const AWS: readonly TokenRule[] = [
  rule('AWS_ACCESS_KEY', 0.95, ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'], String.raw`(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Za-z0-9])`, {
    check: variedAfter(4, 6),
  }),
  // STS session tokens: base64 of a protobuf whose first field reads "origin_ec…" / "…aws".
  rule('AWS_SESSION_TOKEN', 0.9, ['IQoJb3JpZ2luX2Vj', 'FwoGZXIvYXdzE'], String.raw`(?<![A-Za-z0-9+/])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/]{100,4000}={0,2}(?![A-Za-z0-9+/=])`),
  rule('AWS_BEDROCK_KEY', 0.9, ['ABSK'], String.raw`${B}ABSK[A-Za-z0-9+/]{109,269}={0,2}(?![A-Za-z0-9+/=])`, { allowRegular: true }),
  rule('AWS_BEDROCK_KEY', 0.9, ['bedrock-api-key-'], String.raw`${BD}bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%]{20,4000}`, {
    allowRegular: true,
  }),
  rule('AMAZON_MWS_TOKEN', 0.95, ['amzn.mws.'], String.raw`amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}${E}`),
];

const GOOGLE: readonly TokenRule[] = [
  rule('GCP_API_KEY', 0.9, ['AIza'], String.raw`${BD}AIza[0-9A-Za-z_-]{35}${ED}`),
  rule('GOOGLE_OAUTH_SECRET', 0.95, ['GOCSPX-'], String.raw`${BD}GOCSPX-[0-9A-Za-z_-]{28}${ED}`),
  rule('GOOGLE_OAUTH_TOKEN', 0.85, ['ya29.'], String.raw`${BD}ya29\.[0-9A-Za-z_-]{30,2000}${ED}`),
];

const AZURE: readonly TokenRule[] = [
  rule('AZURE_STORAGE_KEY', 0.95, ['AccountKey='], String.raw`(?<=AccountKey=)[A-Za-z0-9+/]{30,200}={0,2}(?![A-Za-z0-9+/=])`, { anchor: AFTER }),
  rule('AZURE_SHARED_ACCESS_KEY', 0.95, ['SharedAccessKey='], String.raw`(?<=SharedAccessKey=)[A-Za-z0-9+/]{30,200}={0,2}(?![A-Za-z0-9+/=])`, { anchor: AFTER }),
  rule('AZURE_SAS_TOKEN', 0.9, ['sig='], String.raw`(?<=[?&;]sig=)[A-Za-z0-9%+/]{40,150}(?:=|%3[dD]){0,2}(?![A-Za-z0-9%+/=])`, {
    check: inSasQuery,
    anchor: AFTER,
  }),
  rule('AZURE_CLIENT_SECRET', 0.9, ['Q~'], String.raw`(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`, { anchor: back(4) }),
  rule('AZURE_DEVOPS_PAT', 0.9, ['AZDO'], String.raw`(?<![A-Za-z0-9])[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}(?![A-Za-z0-9])`, { anchor: back(76) }),
];

const OTHER_CLOUDS: readonly TokenRule[] = [
  rule('ALIBABA_ACCESS_KEY', 0.85, ['LTAI'], String.raw`${B}LTAI[A-Za-z0-9]{20}${E}`, { check: needsLetterAndDigit }),
  rule('DIGITALOCEAN_TOKEN', 0.97, ['dop_v1_', 'doo_v1_', 'dor_v1_'], String.raw`${B}do[opr]_v1_[a-f0-9]{64}${E}`),
  rule('HEROKU_API_KEY', 0.95, ['HRKU-'], String.raw`${BD}HRKU-AA[0-9A-Za-z_-]{58}${ED}`),
  rule('CLOUDFLARE_ORIGIN_CA_KEY', 0.95, ['v1.0-'], String.raw`${BD}v1\.0-[a-f0-9]{24}-[a-f0-9]{146}${ED}`),
  rule('FLY_TOKEN', 0.95, ['fo1_'], String.raw`${B}fo1_[A-Za-z0-9_-]{43}${ED}`),
  rule('FLY_TOKEN', 0.95, ['fm1', 'fm2'], String.raw`${B}fm[12][ar]?_[A-Za-z0-9+/]{100,2000}={0,3}(?![A-Za-z0-9+/=])`),
  rule('SCALINGO_TOKEN', 0.95, ['tk-us-'], String.raw`${BD}tk-us-[A-Za-z0-9_-]{48}${ED}`),
  rule('PLANETSCALE_TOKEN', 0.95, ['pscale_'], String.raw`${B}pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64}${ED}`),
  rule('DATABRICKS_TOKEN', 0.9, ['dapi'], String.raw`${B}dapi[a-f0-9]{32}(?:-\d)?${ED}`),
  rule('CLICKHOUSE_KEY', 0.9, ['4b1d'], String.raw`${B}4b1d[A-Za-z0-9]{38}${E}`),
  rule('OPENSHIFT_TOKEN', 0.9, ['sha256~'], String.raw`${B}sha256~[A-Za-z0-9_-]{43}${ED}`),
  rule('SUPABASE_TOKEN', 0.9, ['sbp_'], String.raw`${B}sbp_[a-f0-9]{40}${E}`),
  rule('DENO_TOKEN', 0.9, ['ddp_', 'ddw_'], String.raw`${B}dd[pw]_[A-Za-z0-9]{36}${E}`),
  rule('FIREBASE_FCM_KEY', 0.9, ['AAAA'], String.raw`${B}AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{130,160}${ED}`),
  rule('YANDEX_TOKEN', 0.85, ['y0_', 'AQVN', 't1.'], String.raw`${B}(?:y0_[A-Za-z0-9_-]{55}|AQVN[A-Za-z0-9_-]{35,38}|t1\.[A-Za-z0-9_-]{20,200}={0,2}\.[A-Za-z0-9_-]{86}={0,2})${ED}`),
  rule('TRUENAS_API_KEY', 0.7, [], String.raw`(?<![A-Za-z0-9_.-])\d{1,4}-[A-Za-z0-9]{64}${ED}`, {
    check: (v) => /[a-z]/.test(v) && /[A-Z]/.test(v) && /\d/.test(v.slice(v.indexOf('-'))),
    anchor: ON_RUNS,
  }),
];

const SOURCE_AND_PACKAGES: readonly TokenRule[] = [
  rule('GITHUB_TOKEN', 0.9, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], String.raw`${B}gh[pousr]_(?:[A-Za-z0-9]{76}|[A-Za-z0-9]{36})${E}`, {
    check: checksummed(4),
  }),
  rule('GITHUB_TOKEN', 0.95, ['github_pat_'], String.raw`${B}github_pat_[A-Za-z0-9_]{82}${E}`),
  rule(
    'GITLAB_TOKEN',
    0.92,
    GITLAB_PREFIXES.map((p) => `${p}-`),
    String.raw`${BD}(?:${GITLAB_PREFIXES.join('|')})-[0-9A-Za-z_-]{20,300}(?:\.[0-9A-Za-z_-]{2,20}){0,2}${ED}`,
  ),
  rule('GITLAB_TOKEN', 0.9, ['GR1348941'], String.raw`${B}GR1348941[0-9A-Za-z_-]{20,50}${ED}`, { check: variedAfter(9, 6) }),
  rule('GITLAB_TOKEN', 0.85, ['_gitlab_session='], String.raw`(?<=_gitlab_session=)[0-9A-Za-z]{32}${E}`, { anchor: AFTER }),
  rule('NPM_TOKEN', 0.9, ['npm_'], String.raw`${B}npm_[A-Za-z0-9]{36}${E}`, { check: checksummed(4) }),
  rule('PYPI_TOKEN', 0.97, ['pypi-AgEIcHlwaS5vcmc'], String.raw`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}${ED}`),
  rule('RUBYGEMS_TOKEN', 0.95, ['rubygems_'], String.raw`${B}rubygems_[a-f0-9]{48}${E}`),
  rule('NUGET_API_KEY', 0.8, ['oy2'], String.raw`${B}oy2[a-z0-9]{43}${E}`, { check: needsLetterAndDigit }),
  rule('CRATES_IO_TOKEN', 0.75, ['cio'], String.raw`${B}cio[a-zA-Z0-9]{32}${E}`, { check: needsLetterAndDigit }),
  rule('CLOJARS_TOKEN', 0.95, ['CLOJARS_'], String.raw`${B}CLOJARS_[a-z0-9]{60}${E}`),
  rule('DOCKER_HUB_TOKEN', 0.95, ['dckr_'], String.raw`${B}dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32}${ED}`),
  rule('ARTIFACTORY_TOKEN', 0.9, ['AKCp'], String.raw`${B}AKCp[A-Za-z0-9]{69}${E}`),
  rule('ARTIFACTORY_TOKEN', 0.9, ['cmVmdGtu'], String.raw`${B}cmVmdGtu[A-Za-z0-9]{56}${E}`),
  rule('ATLASSIAN_TOKEN', 0.95, ['ATATT3'], String.raw`${B}ATATT3[A-Za-z0-9_=-]{150,300}${ED}`),
  rule('SOURCEGRAPH_TOKEN', 0.95, ['sgp_'], String.raw`${B}sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}${E}`),
  rule('SOURCEGRAPH_TOKEN', 0.9, ['sgp_'], String.raw`${B}sgp_[a-fA-F0-9]{40}${E}`),
  rule('HARNESS_TOKEN', 0.95, ['pat.', 'sat.'], String.raw`${B}(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}${E}`),
  rule('PULUMI_TOKEN', 0.95, ['pul-'], String.raw`${BD}pul-[a-f0-9]{40}${E}`),
  rule('PREFECT_TOKEN', 0.95, ['pnu_'], String.raw`${B}pnu_[A-Za-z0-9]{36}${E}`),
  rule('DOPPLER_TOKEN', 0.95, ['dp.'], String.raw`${B}dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}${E}`),
  rule('HASHICORP_TOKEN', 0.9, ['hvs.', 'hvb.', 'hvr.'], String.raw`${B}hv[sbr]\.[A-Za-z0-9_-]{24,400}${ED}`, { check: needsLetterAndDigit }),
  rule('HASHICORP_TOKEN', 0.95, ['.atlasv1.'], String.raw`${B}[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}${ED}`, { anchor: back(14) }),
  rule('INFRACOST_KEY', 0.9, ['ico-'], String.raw`(?<![A-Za-z0-9_.-])ico-[A-Za-z0-9]{32}${E}`),
  rule('SONAR_TOKEN', 0.9, ['squ_', 'sqp_', 'sqa_'], String.raw`${B}sq[upa]_[A-Za-z0-9]{40}${E}`),
  rule('VAULT_UNSEAL_KEY', 0.9, ['Unseal Key ', 'operator unseal '], String.raw`(?<=(?:Unseal Key \d{1,2}: |operator unseal ))[A-Za-z0-9+/]{43,44}={0,1}(?![A-Za-z0-9+/=])`, { anchor: search() }),
  rule('BITBUCKET_APP_PASSWORD', 0.9, ['ATBB'], String.raw`${B}ATBB[A-Za-z0-9_=.-]{32}${ED}`),
  rule('STACKHAWK_API_KEY', 0.95, ['hawk.'], String.raw`${B}hawk\.[A-Za-z0-9_-]{20}\.[A-Za-z0-9_-]{20}${ED}`),
  rule('ONEPASSWORD_TOKEN', 0.95, ['ops_eyJ'], String.raw`${B}ops_eyJ[A-Za-z0-9+/]{250,8000}={0,3}(?![A-Za-z0-9+/=])`),
  rule('ONEPASSWORD_TOKEN', 0.95, ['A3-'], String.raw`${BD}A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}${ED}`),
  rule('DEPENDENCY_TRACK_KEY', 0.85, ['odt_'], String.raw`${B}odt_[A-Za-z0-9]{32,40}${E}`, { check: needsLetterAndDigit }),
];

const AI: readonly TokenRule[] = [
  rule('OPENAI_API_KEY', 0.97, ['sk-'], String.raw`${BD}sk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}${ED}`),
  rule('OPENAI_API_KEY', 0.9, ['sk-proj-', 'sk-svcacct-', 'sk-admin-'], String.raw`${BD}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300}${ED}`),
  rule('OPENAI_API_KEY', 0.7, ['sk-'], String.raw`${BD}sk-[A-Za-z0-9]{48}${ED}`, { check: needsLetterAndDigit }),
  rule('ANTHROPIC_API_KEY', 0.97, ['sk-ant-'], String.raw`${BD}sk-ant-(?:api|admin|sid|oat|ort)\d{2}-[A-Za-z0-9_-]{32,200}${ED}`),
  rule('HUGGINGFACE_TOKEN', 0.9, ['hf_'], String.raw`${B}hf_[A-Za-z]{34}${E}`),
  rule('HUGGINGFACE_TOKEN', 0.9, ['api_org_'], String.raw`${B}api_org_[A-Za-z]{34}${E}`),
  rule('GROQ_API_KEY', 0.95, ['gsk_'], String.raw`${B}gsk_[A-Za-z0-9]{52}${E}`),
  rule('PERPLEXITY_API_KEY', 0.95, ['pplx-'], String.raw`${BD}pplx-[A-Za-z0-9]{48}${E}`),
  rule('XAI_API_KEY', 0.95, ['xai-'], String.raw`${BD}xai-[A-Za-z0-9]{80}${E}`),
  rule('REPLICATE_TOKEN', 0.9, ['r8_'], String.raw`${B}r8_[A-Za-z0-9]{37}${E}`),
  rule('TAVILY_API_KEY', 0.9, ['tvly-'], String.raw`${BD}tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}${E}`),
  rule('JINA_API_KEY', 0.95, ['jina_'], String.raw`${B}jina_[a-f0-9]{32}[A-Za-z0-9_-]{26,34}${ED}`),
  rule('NVIDIA_API_KEY', 0.95, ['nvapi-'], String.raw`${BD}nvapi-[A-Za-z0-9_-]{64}${ED}`),
  rule('OPENROUTER_API_KEY', 0.95, ['sk-or-v1-'], String.raw`${BD}sk-or-v1-[a-f0-9]{64}${E}`),
  rule('PINECONE_API_KEY', 0.9, ['pcsk_'], String.raw`${B}pcsk_[A-Za-z0-9_]{50,100}${E}`),
  rule('LANGSMITH_API_KEY', 0.95, ['lsv2_'], String.raw`${B}lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${E}`),
];

/** Cloud, source hosting, package registry and AI API rules. */
export const CLOUD_RULES: readonly TokenRule[] = [...AWS, ...GOOGLE, ...AZURE, ...OTHER_CLOUDS, ...SOURCE_AND_PACKAGES, ...AI];
