/**
 * `GET /problems/{code}`: where a problem's `type` leads. One short page per error code (and per
 * other type the api answers with, `not-ready`), for the person reading a problem: what it means
 * and what to do. Plain HTML with no script and no style, under the strict policy the console has.
 * The contractual FIT-Connect types (`details.problemType`) stay at their standard's addresses.
 */
import { errorCodes, DomainError } from '@jabba/domain/platform';
import { httpStatus, problemSlug, problemTypeBase, reasonPhrase } from './error-tables';
import { createRoute, documented, openApiRoutes, problems, type OpenApiRoutes, z } from './openapi';
import { consoleContentSecurityPolicy } from './console-files';

interface ProblemPage {
  status: number;
  meaning: string;
  todo: string;
}

const pages: Record<string, ProblemPage> = {
  'unauthenticated': { status: httpStatus.UNAUTHENTICATED, meaning: 'The request has no bearer token, or its token is expired, forged, not yet valid or signed with another secret.', todo: 'Send `Authorization: Bearer <token>` with a current token; sign in again when it has expired.' },
  'forbidden': { status: httpStatus.FORBIDDEN, meaning: 'The token is valid, but its user or client lacks what the operation needs: a scope, a role, an active or unblocked client, or a client of the right type. `missingAllowances` lists what is missing.', todo: 'Ask for a token with the scopes listed, or for the role or client status an administrator grants.' },
  'not-found': { status: httpStatus.NOT_FOUND, meaning: 'No such object, or one the caller may not see: another client\'s object is answered exactly as a missing one. A malformed id is the id of nothing.', todo: 'Check the id (a job takes its uuid or its Relay global id) and that it belongs to the caller\'s client.' },
  'conflict': { status: httpStatus.CONFLICT, meaning: 'A state refuses the request now: the caller\'s client is not active, the object\'s state refuses the change (a job already cancelled, or still running), an Idempotency-Key was used before for another kind of job (another type, or a dry run against a real import), or an upload with the same key is still being read.', todo: 'An inactive client needs an administrator. A key used for another kind of job needs a key of its own. Otherwise read the object again and retry once its state allows it.' },
  'unprocessable-entity': { status: httpStatus.UNPROCESSABLE_ENTITY, meaning: 'The input is well-formed but invalid. `inputErrors` names each bad field by its JSON path (`$.status`) with what it must be.', todo: 'Fix the fields named and send the request again.' },
  'bad-request': { status: httpStatus.BAD_REQUEST, meaning: 'The request could not be read: a body that is not JSON, or one that ended before it was complete.', todo: 'Send a complete, well-formed body.' },
  'validation-error': { status: httpStatus.VALIDATION_ERROR, meaning: 'A record failed a business rule. Imports report it per line in the job\'s error report rather than as a response.', todo: 'Read the error report (`/v1/jobs/{id}/errors.csv`), fix the lines and upload them again.' },
  'payload-too-large': { status: httpStatus.PAYLOAD_TOO_LARGE, meaning: 'The body, a file or a form field is larger than its bound (IMPORT_MAX_BYTES for uploads, 1 MiB for JSON bodies).', todo: 'Split the file, or send less.' },
  'timeout': { status: httpStatus.TIMEOUT, meaning: 'A dependency (a lock, Postgres, Redis) was too slow to answer right now. Nothing was changed.', todo: 'Try again shortly.' },
  'busy': { status: httpStatus.BUSY, meaning: 'The api is at its limit of concurrent uploads (IMPORT_MAX_CONCURRENT).', todo: 'Try again after the `Retry-After` seconds.' },
  'unavailable': { status: httpStatus.UNAVAILABLE, meaning: 'Redis, which takes new work to the workers, does not answer right now. The request was refused before anything was written: no job was created or changed.', todo: 'Try again after the `Retry-After` seconds. Operators: bring Redis back; the workers and the api reconnect by themselves.' },
  'not-ready': { status: 503, meaning: 'Readiness (`/ready`): Postgres or Redis does not answer; `checks` says which.', todo: 'Operators: look at the dependency named. Load balancers withhold traffic until it answers.' },
};

const escape = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Backticks become code, the rest is text. */
const prose = (text: string): string =>
  text.split('`').map((part, i) => (i % 2 === 1 ? `<code>${escape(part)}</code>` : escape(part))).join('');

/** Every problem type the api itself answers with, as paths: each ErrorCode's and the others above. */
export const problemTypePaths = (): string[] => Object.keys(pages).map((slug) => `${problemTypeBase}${slug}`);

// A new ErrorCode without its page fails at load, so every test run catches it.
for (const code of errorCodes) if (!Object.hasOwn(pages, problemSlug(code))) throw new Error(`No problem page for ${code}`);

function page(slug: string, { status, meaning, todo }: ProblemPage): string {
  const title = `${reasonPhrase(status)} (${slug})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escape(title)} · Jabba problem types</title>
</head>
<body>
<main>
<h1>${escape(title)}</h1>
<p>Problem type <code>${escape(`${problemTypeBase}${slug}`)}</code>, answered with HTTP status <strong>${status}</strong> as <code>application/problem+json</code> (RFC 9457).</p>
<h2>What it means</h2>
<p>${prose(meaning)}</p>
<h2>What to do</h2>
<p>${prose(todo)}</p>
<p>Quote the problem's <code>requestId</code> (also the <code>X-Request-Id</code> header) when reporting it. The whole contract: <a href="/docs">the API reference</a>.</p>
</main>
</body>
</html>
`;
}

const problemPage = createRoute({
  method: 'get', path: '/problems/{code}', tags: ['Contract'], summary: 'What a problem type means, for people',
  request: { params: z.object({ code: z.string().openapi({ param: { name: 'code', in: 'path' }, example: 'not-found' }) }) },
  responses: { 200: { description: 'A short page', content: { 'text/html': { schema: z.string() } } }, ...problems(404) },
});

export function problemPageRoutes(): OpenApiRoutes {
  const routes = openApiRoutes();
  documented(routes, problemPage, (c) => {
    const slug = c.req.param('code')!;
    const found = Object.hasOwn(pages, slug) ? pages[slug] : undefined;
    if (!found) throw new DomainError('NOT_FOUND', `No problem type ${problemTypeBase}${slug}`);
    return c.html(page(slug, found), 200, { 'Content-Security-Policy': consoleContentSecurityPolicy, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=3600' });
  });
  return routes;
}
