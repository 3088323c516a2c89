export { createInProcessPair, type InProcessPair, type InProcessPairOptions } from './in-process.js';
export {
  parseTransportSpec,
  resolveTransport,
  PTPIP_DEFAULT_PORT,
  type ParsedTransportSpec,
  type ResolveTransportOptions,
  type TransportSpec,
} from './resolve.js';
export * from './ptpip/index.js';
export * from './usb/index.js';
