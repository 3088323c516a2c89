export { UsbTransport, isDeviceGone, type UsbTransportOptions } from './transport.js';
export {
  findPtpEndpoints,
  ptpInterfaceKind,
  PTP_USB_FILTERS,
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
export { type UsbCameraInfo, type UsbDeviceFilter, type UsbDiscoveryOptions } from './discovery.js';
export { type UsbCameraWatch, type UsbCameraWatchHandlers } from './hotplug.js';
export { decodeExtendedCompatId, decodeMsOsStringDescriptor, msOsMtpInterface, type CompatIdFunction } from './ms-os-descriptor.js';
export { sameUsbDevice, type UsbConnectionEventLike, type UsbConnectionListener, type UsbDeviceSource } from './source.js';
// Node only (loads node-usb), with discovery and hot plug defaulting to it; `ptpts/browser`
// exports the browser-safe discovery.ts / hotplug.ts versions, which default to navigator.usb.
export { findUsbCameras, firstUsbCamera, firstUsbCameraInfo, nodeUsbSource, watchUsbCameras } from './node-usb.js';
export { MS_OS_PROBE_DENY_LIST, MS_OS_PROBE_DEVICE_CLASSES, msOsProbeAllowed } from './ms-os-probe.js';
