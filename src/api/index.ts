export * from './kinds.js';
export * from './meta.js';
export * from './kinds/authorization-policy.js';
export * from './kinds/mesh.js';
