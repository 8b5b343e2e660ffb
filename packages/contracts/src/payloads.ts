import type { CommandTypeOf, PayloadOf, StreamType } from '@muster/domain';
import type { z } from 'zod';
import { SCENE_COMMAND_SCHEMAS, REQUEST_COMMAND_SCHEMAS } from './command.schemas';
import { REPORT_COMMAND_SCHEMAS } from './duty.schemas';
import { INCIDENT_COMMAND_SCHEMAS, ReportIncidentSchema } from './incident.schemas';
import { CORRECTION_COMMAND_SCHEMAS } from './review.schemas';
import { SUPERVISION_COMMAND_SCHEMAS } from './supervision.schemas';
import { WARNING_COMMAND_SCHEMAS } from './warning.schemas';
import { DRILL_COMMAND_SCHEMAS } from './drill.schemas';

/**
 * A value as parsed: zod's optional fields (`?: T | undefined`) read as the domain writes them
 * (`?: T`, under exactOptionalPropertyTypes), at every depth; the `[key: string]: never` of an empty
 * strict object is left out (the domain writes no fields as `{}`).
 */
type Parsed<T> = T extends readonly (infer U)[]
  ? Parsed<U>[]
  : T extends object
    ? { [F in keyof T as string extends F ? ([T[F]] extends [never] ? never : F) : F]: Parsed<Exclude<T[F], undefined>> }
    : T;

/** True when A and B are the same type (not merely assignable one way: an added optional field differs). */
type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** What the build reports for a schema that does not parse to its command's domain payload. */
interface PayloadDiffersFromTheDomain<T> {
  command: T;
  fix: 'make the schema in @muster/contracts and the command type in @muster/domain agree';
}

/**
 * For every stream type, a schema for each of its commands and no other, whose output is exactly the
 * domain's payload of that command (PayloadOf): a field added, removed, made optional or retyped on
 * one side only fails `pnpm typecheck` here.
 */
type TiedToDomain<S> = {
  [K in StreamType]: K extends keyof S ? SchemasOf<K, S[K]> : never;
};
type SchemasOf<K extends StreamType, S> = {
  [T in CommandTypeOf<K>]: T extends keyof S ? (S[T] extends z.ZodType ? (Same<Parsed<z.output<S[T]>>, Parsed<PayloadOf<K, T>>> extends true ? S[T] : PayloadDiffersFromTheDomain<T>) : z.ZodType) : z.ZodType;
} & { [T in Exclude<keyof S, CommandTypeOf<K>>]: NotACommandOf<K, T> };

interface NotACommandOf<K, T> {
  streamType: K;
  command: T;
  fix: 'add the command to the stream type in @muster/domain, or remove its schema';
}

function tiedToDomain<const S extends TiedToDomain<S>>(schemas: S): S {
  return schemas;
}

/**
 * The payload schema of every command, by stream type and command type: the engine parses every
 * payload with these, whoever sends it. Tied to the domain's command types at compile time (above).
 */
export const COMMAND_PAYLOAD_SCHEMAS = tiedToDomain({
  incident: { ReportIncident: ReportIncidentSchema, ...INCIDENT_COMMAND_SCHEMAS },
  scene: SCENE_COMMAND_SCHEMAS,
  resourceRequest: REQUEST_COMMAND_SCHEMAS,
  report: REPORT_COMMAND_SCHEMAS,
  correction: CORRECTION_COMMAND_SCHEMAS,
  supervision: SUPERVISION_COMMAND_SCHEMAS,
  warning: WARNING_COMMAND_SCHEMAS,
  drill: DRILL_COMMAND_SCHEMAS,
});
