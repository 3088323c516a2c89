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
  type UsbCameraInfo,
  type UsbDeviceFilter,
  type UsbDiscoveryOptions,
} from './discovery.js';
export { watchUsbCameras, type UsbCameraWatch, type UsbCameraWatchHandlers } from './hotplug.js';
export { decodeExtendedCompatId, decodeMsOsStringDescriptor, msOsMtpInterface, type CompatIdFunction } from './ms-os-descriptor.js';
export { nodeUsbSource, sameUsbDevice, type UsbConnectionEventLike, type UsbConnectionListener, type UsbDeviceSource } from './source.js';
