/**
 * Building blocks for resource schemas. Every kind is declared once with these (TypeBox), and from
 * that one declaration come the TypeScript type (`Static<>`), the runtime validator (Ajv over the
 * same JSON Schema) and the CRD's `openAPIV3Schema` (see `crd.ts`).
 *
 * Two extension keywords carry what JSON Schema cannot say well; both are stripped from CRDs:
 * - `x-weft-message`: the plain-words problem shown when a `pattern` or `format` check fails;
 * - `x-weft-check`: the name of a semantic check in `field-checks.ts`, run on the node's value.
 */
import { Type, type Static, type TSchema, type SchemaOptions } from '@sinclair/typebox';

export { Type, type Static, type TSchema };

/** A string restricted to a closed set, rendered as `type: string` + `enum` (valid in CRDs). */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** An integer restricted to a closed set (HTTP status codes of a redirect), rendered as `type: integer` + `enum`. */
export function IntegerEnum<const T extends readonly number[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'integer', enum: [...values] });
}

/** A string that must match `pattern`; `message` says what is wrong in plain words when it does not. */
export function PatternString(pattern: string, message: string, options: SchemaOptions = {}) {
  return Type.String({ ...options, pattern, 'x-weft-message': message });
}

/** An object that refuses unknown fields (a typo is an error, not a silently ignored field). */
export function StrictObject<T extends Record<string, TSchema>>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** A string-to-string map (labels, annotations, selectors). */
export function StringMap(options: SchemaOptions = {}) {
  return Type.Record(Type.String(), Type.String(), options);
}

/** A Kubernetes duration as Gateway API writes it (`1h`, `30s`, `500ms`, `1m30s`). */
export function Duration(options: SchemaOptions = {}) {
  return PatternString('^([0-9]{1,5}(h|m|s|ms)){1,4}$', 'is not a duration such as "500ms", "30s" or "1m30s"', options);
}

/** A percentage from 0 to 100. */
export function Percent(options: SchemaOptions = {}) {
  return Type.Number({ minimum: 0, maximum: 100, ...options });
}

export const dnsLabelPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const dnsSubdomainPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export function PortNumber(options: SchemaOptions = {}) {
  return Type.Integer({ minimum: 1, maximum: 65535, ...options });
}

/** An IANA service name, as Kubernetes port names are written (`http`, `grpc-web`). */
export const portNamePattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/**
 * Kubernetes' IntOrString. The validator sees a union; `crd.ts` turns the node marked
 * `x-kubernetes-int-or-string` into the one structural form the API server accepts.
 */
export function IntOrString<I extends TSchema, S extends TSchema>(integer: I, string: S, options: SchemaOptions = {}) {
  return Type.Union([integer, string], { ...options, 'x-kubernetes-int-or-string': true });
}

/** A port given as a number or as the name of a port elsewhere (a Service's `targetPort`). */
export function PortNumberOrName(options: SchemaOptions = {}) {
  return IntOrString(
    PortNumber(),
    PatternString(portNamePattern, 'is not a port name (lower-case letters, digits and "-", at most 15 characters)', { maxLength: 15 }),
    options,
  );
}

/** A string field that must not be empty. */
export function NonEmptyString(options: SchemaOptions = {}) {
  return Type.String({ minLength: 1, ...options });
}

/** A list of strings (each non-empty). */
export function StringList(options: SchemaOptions = {}) {
  return Type.Array(NonEmptyString(), options);
}
