/**
 * Redaction of credentials in text the console shows or stores: diagnostic output (a backstop
 * behind the policy's refusals, R-HEAL-9), config URLs, error texts and log lines (R-SEC-10).
 */

const MASK = '[redacted]';

/** Names whose values are credentials: DB_PASSWORD, api_key, GITHUB_TOKEN, aws_secret_access_key, ... */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*?(?:pass(?:wd|word)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth(?:orization)?)(?:[_.-][A-Za-z0-9_.-]*)?`;
const ASSIGNMENT = new RegExp(String.raw`\b(${SECRET_NAME})(\s*[=:]\s*|"\s*:\s*")(?!\[redacted\])([^\s"',;]+)`, 'gi');
const PEM = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY|[A-Z ]*CERTIFICATE REQUEST)-----[\s\S]*?(-----END \1-----|$)/g;
const BEARER = /\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(:[^\s/@]*)?@/gi;
/** Path segments long enough to be tokens (Slack/Discord webhook paths, Telegram bot tokens). */
const URL_TOKEN_SEGMENT = /(\/)[A-Za-z0-9_:.~-]{20,}(?=[/?#\s"']|$)/g;
const QUERY_SECRET = new RegExp(String.raw`([?&](?:${SECRET_NAME}|sig|signature|key)=)[^&#\s"']+`, 'gi');

/** Mask credentials in free text (command output, error messages). */
export function redactSecrets(text: string): string {
  return text
    .replace(PEM, (_m, kind: string) => `-----BEGIN ${kind}----- ${MASK}`)
    .replace(URL_USERINFO, (_m, scheme: string, user: string, pass?: string) => `${scheme}${pass ? `${user}:${MASK}` : MASK}@`)
    .replace(QUERY_SECRET, `$1${MASK}`)
    .replace(BEARER, `$1 ${MASK}`)
    .replace(ASSIGNMENT, `$1$2${MASK}`);
}

/** A URL fit to show: no user info, no secret query values, token-like path segments masked. */
export function redactUrl(url: string): string {
  return redactSecrets(url).replace(URL_TOKEN_SEGMENT, `$1${MASK}`);
}
