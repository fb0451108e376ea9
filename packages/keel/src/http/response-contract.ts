import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PROBLEM_SCHEMA } from './problem-responses.js';

/** One answer the server is about to send. */
export interface Answer {
  method: string;
  /** The route's pattern (`/events/:id`); undefined when no route matched (the not-found handler). */
  route: string | undefined;
  status: number;
  contentType: string | undefined;
  /** The serialized body; undefined for a stream, which is not checked. */
  body: string | undefined;
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  [key: string]: unknown;
}

interface ResponseObject {
  content?: Record<string, unknown>;
}

const DOCUMENT_ID = 'keel:openapi';
// ajv-formats is CommonJS; its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Checks answers against the service's own OpenAPI document: a status the route does not declare,
 * an undeclared content type or a body that does not match its schema is a violation.
 */
export class ResponseContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  }

  /** What is wrong with an answer; empty when it matches the document. */
  violations(answer: Answer): string[] {
    if (answer.method === 'HEAD') return [];
    const type = answer.contentType?.split(';')[0]?.trim().toLowerCase();
    if (answer.route === undefined) {
      // Only the not-found handler answers without a route, and it answers problems.
      return type === 'application/problem+json'
        ? this.checkBody(`#/components/schemas/${PROBLEM_SCHEMA}`, answer)
        : [`content type ${type}`];
    }
    const path = answer.route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation = this.document.paths?.[path]?.[answer.method.toLowerCase()];
    if (!operation) return []; // a route hidden from the document (health, metrics, docs)
    const responses = operation.responses ?? {};
    const status = String(answer.status);
    const key = status in responses ? status : `${status[0]}XX` in responses ? `${status[0]}XX` : 'default';
    const declared = responses[key];
    if (!declared) return [`status ${status} is not declared for ${answer.method} ${path}`];
    if (!declared.content) {
      // Fastify drops whatever a 204 or 304 was given: no body reaches the client.
      return answer.body && answer.status !== 204 && answer.status !== 304
        ? [`${answer.method} ${path} ${status} declares no body but one was sent`]
        : [];
    }
    if (!type || !(type in declared.content)) {
      return [`${answer.method} ${path} ${status} declares ${Object.keys(declared.content).join(', ')}, not ${type}`];
    }
    const pointer = ['paths', path, answer.method.toLowerCase(), 'responses', key, 'content', type, 'schema']
      .map((part) => encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1')))
      .join('/');
    return this.checkBody(`#/${pointer}`, answer);
  }

  private checkBody(fragment: string, answer: Answer): string[] {
    if (answer.body === undefined || !/json/.test(answer.contentType ?? '')) return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return [`${answer.method} ${answer.route ?? '(no route)'} ${answer.status}: the body is not JSON`];
    }
    let validate = this.validators.get(fragment);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${fragment}` });
      this.validators.set(fragment, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${answer.method} ${answer.route ?? '(no route)'} ${answer.status}: body${error.instancePath} ${error.message}`,
    );
  }
}
