/**
 * Every REST answer a test sees, checked against /openapi.json: `checkedApp(app)` wraps the app's
 * `fetch` (which `app.request` and a served app both go through), so each response to a documented
 * route and method must have a documented status and media type, and a JSON body (problems
 * included) must match that status's schema. A response that does not throws from the request, with
 * the route, the status and what is wrong, so the test that produced it fails at that line.
 *
 * The check validates against the generated document with a JSON Schema 2020-12 validator (Ajv),
 * not against the zod schemas: what clients read is the document, so this also catches a schema
 * that the generator renders differently from what the zod schema meant.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { App } from '../src/app';
import { openApiDocument, type OpenApiDocument } from '../src/platform/api-contract';

// ajv-formats is CJS with a default export that ESM sees one level down.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

interface Contract {
  /** `{template, pattern}` of each documented path, literal paths first. */
  paths: { template: string; pattern: RegExp }[];
  operation(template: string, method: string): Operation | undefined;
  validator(template: string, method: string, status: string, mediaType: string): ValidateFunction | null;
}

const contracts = new WeakMap<App, Contract>();

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function contractOf(app: App): Contract {
  const known = contracts.get(app);
  if (known) return known;
  const document = openApiDocument(app) as OpenApiDocument & { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The document's components, so a response schema's `#/components/schemas/…` resolves.
  ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
  const validators = new Map<string, ValidateFunction | null>();
  const paths = Object.keys(document.paths)
    .sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
    .map((template) => ({ template, pattern: new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}$`) }));
  const contract: Contract = {
    paths,
    operation: (template, method) => document.paths[template]?.[method],
    validator(template, method, status, mediaType) {
      const key = `${method} ${template} ${status} ${mediaType}`;
      if (!validators.has(key)) {
        const schema = document.paths[template]?.[method]?.responses[status]?.content?.[mediaType]?.schema;
        const rebased = schema && JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object;
        validators.set(key, rebased ? ajv.compile(rebased) : null);
      }
      return validators.get(key)!;
    },
  };
  contracts.set(app, contract);
  return contract;
}

const isJson = (mediaType: string): boolean => mediaType === 'application/json' || mediaType.endsWith('+json');

/** What is wrong with `response` to `method path`; null when it is as documented or the route is not REST. */
export async function contractViolation(app: App, method: string, path: string, response: Response): Promise<string | null> {
  const contract = contractOf(app);
  const lower = method.toLowerCase();
  const template = contract.paths.find((p) => p.pattern.test(path) && contract.operation(p.template, lower))?.template;
  if (!template) return null;
  const operation = contract.operation(template, lower)!;
  const where = `${method} ${path} (${method} ${template} in /openapi.json)`;
  const status = String(response.status);
  const documented = operation.responses[status];
  if (!documented) {
    const body = (await response.clone().text()).slice(0, 500);
    return `${where} answered ${status}, which the document does not list (it lists ${Object.keys(operation.responses).join(', ')}). Body: ${body}`;
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!documented.content) {
    return mediaType === '' ? null : `${where} answered ${status} with a ${mediaType} body, which the document says has none`;
  }
  if (!(mediaType in documented.content)) {
    return `${where} answered ${status} as ${mediaType || 'no media type'}; the document lists ${Object.keys(documented.content).join(', ')}`;
  }
  if (!isJson(mediaType)) return null;
  const validate = contract.validator(template, lower, status, mediaType);
  if (!validate) return null;
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${where} answered ${status} as ${mediaType} with a body that is not JSON: ${text.slice(0, 500)}`;
  }
  if (validate(body)) return null;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
  return `${where} answered ${status} with a body its documented schema refuses: ${errors.join('; ')}. Body: ${text.slice(0, 500)}`;
}

/** `app`, with every response to a documented route checked (see above); returns the same app. */
export function checkedApp<A extends App>(app: A): A {
  const fetch = app.fetch;
  app.fetch = async (request, ...rest) => {
    const { method, url } = request;
    const response = await fetch(request, ...rest);
    const violation = await contractViolation(app, method, new URL(url).pathname, response);
    if (violation) throw new Error(`Undocumented response: ${violation}`);
    return response;
  };
  return app;
}
