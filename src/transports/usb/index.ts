export { UsbTransport, isDeviceGone, type UsbTransportOptions } from './transport.js';
export { findPtpEndpoints, ptpInterfaceKind, STILL_IMAGE_CLASS, VENDOR_SPECIFIC_CLASS, type PtpUsbEndpoints, type UsbEndpointInfo } from './endpoints.js';
export { ClassRequest, cancelRequestData, decodeDeviceStatus, type DeviceStatus } from './class-requests.js';
export { findUsbCameras, firstUsbCamera, type UsbCameraInfo, type UsbDeviceFilter } from './discovery.js';
