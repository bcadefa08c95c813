import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Doc = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };

/** One real answer checked against a document: what was asked, what came back, what disagreed. */
export interface CheckedCall {
  service: string;
  operation: string;
  status: number;
  problems: string[];
}

const pointerSegment = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));

/**
 * Checks real HTTP answers against a service's OpenAPI 3.1 document with a JSON Schema 2020-12
 * validator (Ajv): the status must be documented for the operation, the media type documented
 * for the status, and the body valid against its schema. Bodies of media types that are not
 * JSON (CSV, XLSX, HTML, Prometheus text) are checked for their media type only.
 */
export function openApiChecker(service: string, document: unknown) {
  const doc = document as Doc;
  // The document is registered whole so that `#/components/schemas/…` resolves inside each response schema.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(document as object, service);
  const calls: CheckedCall[] = [];

  async function check(method: string, template: string, res: Response): Promise<{ status: number; body: unknown; text: string }> {
    const operation = `${method.toUpperCase()} ${template}`;
    const problems: string[] = [];
    const text = await res.text();
    const media = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const described = doc.paths[template]?.[method.toLowerCase()];
    const response = described?.responses?.[String(res.status)];
    let body: unknown = text;
    if (!described) problems.push('operation not in the document');
    else if (!response) problems.push(`status ${res.status} not documented`);
    else if (!response.content) {
      if (text.length > 0) problems.push(`a body came with status ${res.status}, documented without content`);
    } else if (!(media in response.content)) {
      problems.push(`media type "${media}" not documented for ${res.status} (documented: ${Object.keys(response.content).join(', ')})`);
    } else if (media.endsWith('json')) {
      body = JSON.parse(text) as unknown;
      const ref = `${service}#/paths/${pointerSegment(template)}/${method.toLowerCase()}/responses/${res.status}/content/${pointerSegment(media)}/schema`;
      const validate = ajv.getSchema(ref);
      if (!validate) problems.push(`no schema at ${ref}`);
      else if (!validate(body)) problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
    }
    calls.push({ service, operation, status: res.status, problems });
    return { status: res.status, body, text };
  }

  /** Operations of the document no call reached. */
  function unexercised(): string[] {
    const reached = new Set(calls.map((c) => c.operation));
    return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`)).filter((op) => !reached.has(op));
  }

  return { check, calls, unexercised };
}
