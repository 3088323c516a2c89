export { VirtualCamera, type VirtualCameraOptions, type VirtualCameraFaults } from './virtual-camera.js';
export { startVirtualCamera, type StartVirtualCameraOptions, type RunningVirtualCamera } from './start.js';
export { ObjectStore, isSafeName, formatForName, type StorageOptions, type StoredObject } from './object-store.js';
export { PropertyTable, defaultProperties } from './device-properties.js';
export { encodeBlockJpeg, sampleJpeg, jpegDimensions } from './jpeg.js';
