export { findRepoRoot, resolveEndpoints } from './resolve-endpoints';
export type {
  EndpointSource,
  InfraProfile,
  ResolvedEndpoints,
  ResolveEndpointsOptions,
} from './resolve-endpoints';
export { startOutageBroker } from './outage-broker';
export type { OutageBroker } from './outage-broker';
export { CLUSTER_BROKER_NODES, startClusterInfra } from './cluster-infra';
export type { BrokerNode, ClusterInfra, StartClusterOptions } from './cluster-infra';
