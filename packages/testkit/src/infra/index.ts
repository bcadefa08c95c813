export { findRepoRoot, resolveEndpoints } from './resolve-endpoints';
export type {
  EndpointSource,
  InfraProfile,
  ResolvedEndpoints,
  ResolveEndpointsOptions,
} from './resolve-endpoints';
