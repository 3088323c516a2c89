export * from './operations.js';
export * from './responses.js';
export * from './events.js';
export * from './properties.js';
export * from './formats.js';
export * from './names.js';
