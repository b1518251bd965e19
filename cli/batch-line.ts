// One line of `meshsim probe --batch`: a JSON object read into a ProbeRequest, every field's type
// checked. A line that is not what the request format says is a user error naming the file, the line,
// the field and what it takes (exit 2), never a request sent without the field or an internal error.
import type { ProbeRequest } from '../sim/index.ts';
import { UserError } from './user-error.ts';

export type BatchRequest = ProbeRequest & { readonly count: number };

type Check = (value: unknown) => string | null;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const string: Check = (v) => (typeof v === 'string' ? null : 'a string');
const stringMap: Check = (v) => (isRecord(v) && Object.values(v).every((x) => typeof x === 'string') ? null : 'an object of strings');
const oneOf = (...values: string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? null : `one of ${values.map((x) => `"${x}"`).join(', ')}`);

const FIELDS: Readonly<Record<string, Check>> = {
  from: string,
  url: string,
  method: string,
  headers: stringMap,
  sni: string,
  tls: oneOf('plaintext', 'tls', 'mtls'),
  jwt: string,
  jwtClaims: (v) => (isRecord(v) ? null : 'an object (the token\'s claims)'),
  extAuthz: (v) => (isRecord(v) && Object.values(v).every((x) => x === 'allow' || x === 'deny' || x === 'error') ? null : 'an object of "allow", "deny" or "error" by provider name'),
  count: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1_000_000 ? null : 'a whole number from 1 to 1000000'),
};

const EXAMPLE = '{"from":"default/productpage-v1","url":"http://reviews:9080/"}';

export function readBatchLine(text: string, where: string): BatchRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${where}: not a JSON object. Write one request per line, e.g. ${EXAMPLE}.`);
  }
  if (!isRecord(value)) throw new UserError(`${where}: not a JSON object. Write one request per line, e.g. ${EXAMPLE}.`);
  for (const [key, field] of Object.entries(value)) {
    const check = FIELDS[key];
    if (check === undefined || !Object.hasOwn(FIELDS, key)) {
      throw new UserError(`${where}: "${key}" is not a request field. The fields are ${Object.keys(FIELDS).join(', ')}.`);
    }
    const wanted = check(field);
    if (wanted !== null) throw new UserError(`${where}: "${key}" must be ${wanted}, not ${JSON.stringify(field) ?? String(field)}.`);
  }
  for (const key of ['from', 'url']) {
    if (!(key in value)) throw new UserError(`${where}: "${key}" is missing. Every line names where the request comes from and its URL, e.g. ${EXAMPLE}.`);
  }
  return { ...(value as unknown as ProbeRequest), count: (value['count'] as number | undefined) ?? 1 };
}
