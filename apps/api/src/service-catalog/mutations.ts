/**
 * The service catalog's eight mutations (SPEC §6, seed 003): the seed's inputs and payloads, each
 * resolver checking the caller (scope `service_catalog:write`, then an NHS client) before it looks
 * at the input, then handing the write to the store. The `Service` and `ServiceGroup` types are the
 * read module's (service-catalog-schema.ts); a refused mutation answers its payload field as null.
 */
import { addServiceToGroup, createService, createServiceGroup, deactivateService, deactivateServiceGroup, deleteServiceFromGroup, notFound, serviceCatalogMessages, updateService, updateServiceGroup, writeCatalog } from '@jabba/domain/service-catalog';
import { malformedId } from '../graphql/relay';
import { fromGlobalId } from '../platform/global-ids';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';
import { serviceGroupObject, serviceObject } from './graphql';

const typeDefs = /* GraphQL */ `
  "Input for \`createService\` mutation. User must have scopes **service_catalog:write**"
  input CreateServiceInput {
    "Service name"
    name: String!
    "Service code"
    code: String!
    "Service category. The value should be present in the \`SERVICE_CATEGORY\` dictionary."
    category: String
    "Service isComposition flag"
    isComposition: Boolean
    "Service requestAllowed flag"
    requestAllowed: Boolean
  }

  "Return type for \`createService\` mutation."
  type CreateServicePayload {
    "Created \`Service\`."
    service: Service
  }

  "Input for \`updateService\` mutation. User must have scopes **service_catalog:write**"
  input UpdateServiceInput {
    "The ID of an object"
    id: ID!
    "Whether requesting allowed for the \`Service\` or not?"
    requestAllowed: Boolean
  }

  "Return type for \`updateService\` mutation."
  type UpdateServicePayload {
    "Update \`Service\`."
    service: Service
  }

  "Input for \`deactivateService\` mutation. User must have scopes **service_catalog:write**"
  input DeactivateServiceInput {
    "The ID of an object"
    id: ID!
  }

  "Return type for \`deactivateService\` mutation."
  type DeactivateServicePayload {
    "Deactivated \`Service\`."
    service: Service
  }

  "Input for \`createServiceGroup\` mutation. User must have scopes **service_catalog:write**"
  input CreateServiceGroupInput {
    "Service group name"
    name: String!
    "Service group code"
    code: String!
    "Whether requesting service groups allowed for the \`ServiceGroup\` or not?"
    requestAllowed: Boolean!
    "Id of connected service group."
    parentGroupId: ID
  }

  "Return type for \`createServiceGroup\` mutation."
  type CreateServiceGroupPayload {
    "Created \`Service Group\`."
    serviceGroup: ServiceGroup
  }

  "Input for \`deactivateServiceGroup\` mutation. User must have scopes **service_catalog:write**"
  input DeactivateServiceGroupInput {
    "The ID of an object"
    id: ID!
  }

  "Return type for \`deactivateServiceGroup\` mutation."
  type DeactivateServiceGroupPayload {
    "Deactivated \`ServiceGroup\`."
    serviceGroup: ServiceGroup
  }

  "Input for \`addServiceToGroup\` mutation. User must have scopes **service_catalog:write**"
  input AddServiceToGroupInput {
    "Service Id"
    serviceId: ID!
    "Service group Id"
    serviceGroupId: ID!
  }

  "Return type for \`addServiceToGroup\` mutation."
  type AddServiceToGroupPayload {
    "Updated \`Service Group\`."
    serviceGroup: ServiceGroup
  }

  "Input for \`updateServiceGroup\` mutation. User must have scopes **service_catalog:write**"
  input UpdateServiceGroupInput {
    "The ID of an object"
    id: ID!
    "Whether requesting allowed for the \`ServiceGroup\` or not?"
    requestAllowed: Boolean
  }

  "Return type for \`updateServiceGroup\` mutation."
  type UpdateServiceGroupPayload {
    "Update \`ServiceGroup\`."
    serviceGroup: ServiceGroup
  }

  "Input for \`deleteServiceFromGroup\` mutation. User must have scopes **service_catalog:write**"
  input DeleteServiceFromGroupInput {
    "Service Id"
    serviceId: ID!
    "Service group Id"
    serviceGroupId: ID!
  }

  "Return type for \`deleteServiceFromGroup\` mutation."
  type DeleteServiceFromGroupPayload {
    "Updated \`Service Group\`."
    serviceGroup: ServiceGroup
  }

  type Mutation {
    "Creates an active service; its code must not be held by another active service."
    createService(input: CreateServiceInput!): CreateServicePayload
    "Sets an active service's \`requestAllowed\`."
    updateService(input: UpdateServiceInput!): UpdateServicePayload
    "Deactivates an active service; the groups including it stop including it."
    deactivateService(input: DeactivateServiceInput!): DeactivateServicePayload
    "Creates an active service group, under an active parent group if one is given."
    createServiceGroup(input: CreateServiceGroupInput!): CreateServiceGroupPayload
    "Sets an active service group's \`requestAllowed\`."
    updateServiceGroup(input: UpdateServiceGroupInput!): UpdateServiceGroupPayload
    "Deactivates a service group that includes no active service."
    deactivateServiceGroup(input: DeactivateServiceGroupInput!): DeactivateServiceGroupPayload
    "Includes an active service in an active service group."
    addServiceToGroup(input: AddServiceToGroupInput!): AddServiceToGroupPayload
    "Ends the inclusion of a service in a service group."
    deleteServiceFromGroup(input: DeleteServiceFromGroupInput!): DeleteServiceFromGroupPayload
  }
`;

// SPEC §6: the scope first, as everywhere, then the client type.

/** The caller's user id, once the checks passed: every write records it as inserted_by / updated_by. */
async function writer(ctx: GraphqlContext): Promise<string> {
  return (await ctx.authorize(writeCatalog)).token.userId;
}

/**
 * The uuid behind a global id of `typeName`. A malformed id is a 422 naming `path`; a well-formed
 * id of another type names nothing of this kind, so it is the kind's NOT_FOUND.
 */
function databaseIdOf(id: string, kind: 'Service' | 'ServiceGroup', path: string): string {
  const global = fromGlobalId(id);
  if (!global) throw malformedId(path);
  if (global.typeName !== kind) {
    throw notFound(kind === 'Service' ? serviceCatalogMessages.serviceNotFound : serviceCatalogMessages.groupNotFound);
  }
  return global.databaseId;
}

type Input<T> = { input: T };
type ById = Input<{ id: string }>;
type RequestAllowedInput = Input<{ id: string; requestAllowed?: boolean | null }>;
type InclusionInput = Input<{ serviceId: string; serviceGroupId: string }>;

interface CreateServiceArgs {
  input: { name: string; code: string; category?: string | null; isComposition?: boolean | null; requestAllowed?: boolean | null };
}

interface CreateServiceGroupArgs {
  input: { name: string; code: string; requestAllowed: boolean; parentGroupId?: string | null };
}

/** Both ids of an inclusion, each checked against its own type. */
async function inclusion({ input }: InclusionInput, ctx: GraphqlContext) {
  const actorId = await writer(ctx);
  return {
    serviceId: databaseIdOf(input.serviceId, 'Service', '$.serviceId'),
    serviceGroupId: databaseIdOf(input.serviceGroupId, 'ServiceGroup', '$.serviceGroupId'),
    actorId,
  };
}

export const serviceCatalogMutationsModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Mutation: {
      createService: async (_: unknown, { input }: CreateServiceArgs, ctx: GraphqlContext) => {
        const actorId = await writer(ctx);
        return { service: serviceObject(await createService(ctx.em, { ...input, actorId })) };
      },
      updateService: async (_: unknown, { input }: RequestAllowedInput, ctx: GraphqlContext) => {
        const actorId = await writer(ctx);
        const id = databaseIdOf(input.id, 'Service', '$.id');
        return { service: serviceObject(await updateService(ctx.em, { id, requestAllowed: input.requestAllowed ?? null, actorId })) };
      },
      deactivateService: async (_: unknown, { input }: ById, ctx: GraphqlContext) => {
        const actorId = await writer(ctx);
        const id = databaseIdOf(input.id, 'Service', '$.id');
        return { service: serviceObject(await deactivateService(ctx.em, { id, actorId })) };
      },
      createServiceGroup: async (_: unknown, { input }: CreateServiceGroupArgs, ctx: GraphqlContext) => {
        const actorId = await writer(ctx);
        const given = input.parentGroupId ?? null;
        const parentGroupId = given === null ? null : databaseIdOf(given, 'ServiceGroup', '$.parentGroupId');
        const row = await createServiceGroup(ctx.em, { name: input.name, code: input.code, requestAllowed: input.requestAllowed, parentGroupId, actorId });
        return { serviceGroup: serviceGroupObject(row) };
      },
      updateServiceGroup: async (_: unknown, { input }: RequestAllowedInput, ctx: GraphqlContext) => {
        const actorId = await writer(ctx);
        const id = databaseIdOf(input.id, 'ServiceGroup', '$.id');
        return { serviceGroup: serviceGroupObject(await updateServiceGroup(ctx.em, { id, requestAllowed: input.requestAllowed ?? null, actorId })) };
      },
      deactivateServiceGroup: async (_: unknown, { input }: ById, ctx: GraphqlContext) => {
        const actorId = await writer(ctx);
        const id = databaseIdOf(input.id, 'ServiceGroup', '$.id');
        return { serviceGroup: serviceGroupObject(await deactivateServiceGroup(ctx.em, { id, actorId })) };
      },
      addServiceToGroup: async (_: unknown, args: InclusionInput, ctx: GraphqlContext) => ({
        serviceGroup: serviceGroupObject(await addServiceToGroup(ctx.em, await inclusion(args, ctx))),
      }),
      deleteServiceFromGroup: async (_: unknown, args: InclusionInput, ctx: GraphqlContext) => ({
        serviceGroup: serviceGroupObject(await deleteServiceFromGroup(ctx.em, await inclusion(args, ctx))),
      }),
    },
  },
};
