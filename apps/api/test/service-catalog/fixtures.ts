/**
 * What the service and service group mutation tests share: the eight catalog mutations' input
 * types, and the shape of a refused mutation's answer (payload field null, one error with its code
 * and message). One copy, so both files assert one contract (SPEC §6, §7).
 */
import type { GraphqlResult } from '../support';

export const catalogInputTypes = {
  createService: 'CreateServiceInput', updateService: 'UpdateServiceInput', deactivateService: 'DeactivateServiceInput',
  createServiceGroup: 'CreateServiceGroupInput', updateServiceGroup: 'UpdateServiceGroupInput', deactivateServiceGroup: 'DeactivateServiceGroupInput',
  addServiceToGroup: 'AddServiceToGroupInput', deleteServiceFromGroup: 'DeleteServiceFromGroupInput',
} as const;
export type CatalogMutation = keyof typeof catalogInputTypes;

/** The errors of a GraphQL answer, as the refusals below write them. */
export const errorsOf = (body: GraphqlResult['body']) =>
  body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));

/** A refused mutation: its payload field null and one error with the code and message. */
export const refused = (field: CatalogMutation, code: string, message: string, exception?: Record<string, unknown>) => ({
  data: { [field]: null },
  errors: [{ message, path: [field], extensions: { code, ...(exception ? { exception } : {}) } }],
});

/** A mutation refused for its input: UNPROCESSABLE_ENTITY with the input errors in order. */
export const invalid = (field: CatalogMutation, ...inputErrors: { path: string; message: string }[]) =>
  refused(field, 'UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors });
