/**
 * The resource definitions nomadguard reads: the nomadgen spec (v1 and legacy) and the operator config,
 * with the JSON Schema exported from the spec.
 */
export * from './spec-v1';
export * from './spec-legacy';
export * from './operator-config';
export * from './json-schema';
