/// <reference types="w3c-web-usb" preserve="true" />
// The published types name WebUSB's USBDevice: this loads them whatever the consumer's "types" setting.
/**
 * ptpts: PTP (ISO 15740) and MTP for Node and the browser. This is the Node
 * entry; browsers get `browser.ts` (`ptpts/browser`, which bundlers also pick
 * for `ptpts`): the same less what needs Node.
 *
 * @example
 * import { Camera } from 'ptpts';
 * const camera = await Camera.open({ transport: 'ptpip://192.168.1.1' });
 * await camera.session(async () => console.log(await camera.getStorageIds()));
 */
export * from './core/index.js';
export {
  Camera,
  type CallOptions, type CameraEvent, type CameraEvents, type CameraOpenOptions, type CameraSession, type Decoded,
  type Destination, type DownloadOptions, type ObjectFilter, type SentObjectInfo, type TransactionOptions,
  type TransactionReply,
} from './camera.js';
export * from './extensions/index.js';
export {
  mtp, MTP_OPERATIONS, OBJECT_PROP_DATATYPES,
  type ListObjectsOptions, type MtpApi, type MtpCamera, type MtpObjectEntry, type ObjectPropInit, type ObjectPropListQuery,
} from './extensions/mtp/index.js';
export * from './transports/index.js';
export {
  startVirtualCamera, VirtualCamera,
  type RunningVirtualCamera, type StartVirtualCameraOptions, type VirtualCameraFaults, type VirtualCameraOptions,
} from './responder/index.js';
export type { VirtualCameraBehaviour, VirtualOperation, VirtualOperationContext, VirtualWire } from './responder/virtual-camera.js';
export { MTP_DEVICE_INFO, mtpBehaviour, supportedObjectProps } from './extensions/mtp/responder.js';
export {
  canonEosBehaviour, eosDefaultProperties, type CanonEosBehaviourOptions, type EosVirtualProp,
} from './extensions/canon/responder.js';
export {
  canonPowerShotBehaviour, type CanonPowerShotBehaviour, type CanonPowerShotBehaviourOptions,
} from './extensions/canon/powershot-responder.js';
export { nikonBehaviour, VIRTUAL_LIVE_VIEW_HEADER_SIZE, type NikonBehaviourOptions } from './extensions/nikon/responder.js';
export {
  parrotBehaviour, sequoiaState, SEQUOIA_READINGS, type ParrotBehaviourOptions, type SequoiaState, type VirtualImu,
} from './extensions/parrot/responder.js';
