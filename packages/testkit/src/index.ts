export * from './wait-for';
export * from './clock';
export * from './isolation';
export * from './builders';
export * from './infra';
export * from './smtp';
export * from './process-stack';
export * from './tcp-relay';
