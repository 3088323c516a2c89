/// <reference types="w3c-web-usb" preserve="true" />
// The published types name WebUSB's USBDevice: this loads them whatever the consumer's "types" setting.
/**
 * ptpts in a browser (`ptpts/browser`; bundlers also pick it for `ptpts`
 * through the `browser` export condition): everything that runs on WebUSB and
 * plain JavaScript, and nothing that needs Node — no PTP/IP (TCP), no virtual
 * camera or PTP/IP server (file system), no node-usb, no command line.
 *
 * The page asks the user for the camera first, from a click (WebUSB lets a
 * page see only the devices it was granted):
 * @example
 * import { Camera, PTP_USB_FILTERS } from 'ptpts/browser';
 * button.onclick = async () => {
 *   await navigator.usb.requestDevice({ filters: PTP_USB_FILTERS });
 *   const camera = await Camera.open({ transport: 'usb' }); // the first granted PTP/MTP device
 *   await camera.session(async () => console.log(await camera.getStorageIds()));
 * };
 */
export * from './core/index.js';
export {
  Camera,
  type CallOptions, type CameraEvent, type CameraEvents, type CameraOpenOptions, type CameraSession, type Decoded,
  type Destination, type DownloadOptions, type ObjectFilter, type SentObjectInfo, type TransactionOptions,
  type TransactionReply,
} from './portable-camera.js';
export * from './extensions/index.js';
export {
  mtp, MTP_OPERATIONS, OBJECT_PROP_DATATYPES,
  type ListObjectsOptions, type MtpApi, type MtpCamera, type MtpObjectEntry, type ObjectPropInit, type ObjectPropListQuery,
} from './extensions/mtp/index.js';
export { createInProcessPair, type InProcessPair, type InProcessPairOptions } from './transports/in-process.js';
export {
  parseTransportSpec, PTPIP_DEFAULT_PORT,
  type ParsedTransportSpec, type ResolveTransportOptions, type TransportSpec,
} from './transports/spec.js';
// Under Node's name, so that code written against `ptpts` reads the same here.
export { resolveBrowserTransport as resolveTransport } from './transports/browser-resolve.js';

// USB (WebUSB). Discovery and hot plug default to navigator.usb here (node-usb in `ptpts`).
export { UsbTransport, isDeviceGone, type UsbTransportOptions } from './transports/usb/transport.js';
export {
  findPtpEndpoints, ptpInterfaceKind, vendorMtpCandidates, PTP_USB_FILTERS, STILL_IMAGE_CLASS, VENDOR_SPECIFIC_CLASS,
  type PtpUsbEndpoints, type UsbEndpointInfo,
} from './transports/usb/endpoints.js';
export {
  ClassRequest, cancelRequestData, decodeDeviceStatus, decodeExtendedEventData, type DeviceStatus, type ExtendedEventData,
} from './transports/usb/class-requests.js';
export {
  findUsbCameras, firstUsbCamera, firstUsbCameraInfo, type UsbCameraInfo, type UsbDeviceFilter, type UsbDiscoveryOptions,
} from './transports/usb/discovery.js';
export { watchUsbCameras, type UsbCameraWatch, type UsbCameraWatchHandlers } from './transports/usb/hotplug.js';
export { decodeExtendedCompatId, decodeMsOsStringDescriptor, msOsMtpInterface, type CompatIdFunction } from './transports/usb/ms-os-descriptor.js';
export { sameUsbDevice, type UsbConnectionEventLike, type UsbConnectionListener, type UsbDeviceSource } from './transports/usb/source.js';
export { MS_OS_PROBE_DENY_LIST, MS_OS_PROBE_DEVICE_CLASSES, msOsProbeAllowed } from './transports/usb/ms-os-probe.js';
