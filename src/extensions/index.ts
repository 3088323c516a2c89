export { codeLayers, type Extension } from './extension.js';
export { ptpExtension } from './ptp.js';
export { detectExtension, findExtension, listExtensions, registerExtension } from './registry.js';
