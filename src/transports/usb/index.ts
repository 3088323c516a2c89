export { UsbTransport, isDeviceGone, type UsbTransportOptions } from './transport.js';
export {
  findPtpEndpoints,
  ptpInterfaceKind,
  vendorMtpCandidates,
  STILL_IMAGE_CLASS,
  VENDOR_SPECIFIC_CLASS,
  type PtpUsbEndpoints,
  type UsbEndpointInfo,
} from './endpoints.js';
export {
  ClassRequest,
  cancelRequestData,
  decodeDeviceStatus,
  decodeExtendedEventData,
  type DeviceStatus,
  type ExtendedEventData,
} from './class-requests.js';
export {
  findUsbCameras,
  firstUsbCamera,
  firstUsbCameraInfo,
  type UsbCameraInfo,
  type UsbDeviceFilter,
  type UsbDiscoveryOptions,
} from './discovery.js';
export { watchUsbCameras, type UsbCameraWatch, type UsbCameraWatchHandlers } from './hotplug.js';
export { decodeExtendedCompatId, decodeMsOsStringDescriptor, msOsMtpInterface, type CompatIdFunction } from './ms-os-descriptor.js';
export { sameUsbDevice, type UsbConnectionEventLike, type UsbConnectionListener, type UsbDeviceSource } from './source.js';
// Node only (loads node-usb): UsbTransport itself never imports it, so browsers bundle without it.
export { nodeUsbSource } from './node-usb.js';
export { MS_OS_PROBE_DENY_LIST, MS_OS_PROBE_DEVICE_CLASSES, msOsProbeAllowed } from './ms-os-probe.js';
