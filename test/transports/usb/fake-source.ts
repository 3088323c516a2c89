/**
 * A fake WebUSB `USB` object (what `navigator.usb` and node-usb's `WebUSB`
 * are to ptpts): a device list, and `connect` / `disconnect` events fired
 * when a test attaches or detaches a device.
 */
import type { UsbConnectionListener, UsbDeviceSource } from '../../../src/transports/usb/source.js';

export class FakeUsbSource implements UsbDeviceSource {
  readonly devices: USBDevice[] = [];
  readonly #listeners = { connect: new Set<UsbConnectionListener>(), disconnect: new Set<UsbConnectionListener>() };

  constructor(...devices: USBDevice[]) {
    this.devices.push(...devices);
  }

  async getDevices(): Promise<USBDevice[]> {
    return [...this.devices];
  }

  addEventListener(type: 'connect' | 'disconnect', listener: UsbConnectionListener): void {
    this.#listeners[type].add(listener);
  }

  removeEventListener(type: 'connect' | 'disconnect', listener: UsbConnectionListener): void {
    this.#listeners[type].delete(listener);
  }

  /** Listeners still registered (a stopped watch or closed transport leaves none). */
  get listenerCount(): number {
    return this.#listeners.connect.size + this.#listeners.disconnect.size;
  }

  /** The device is plugged in. */
  attach(device: USBDevice): void {
    this.devices.push(device);
    for (const l of [...this.#listeners.connect]) l({ device });
  }

  /** The device is unplugged (the event may carry another object for it, as node-usb's does). */
  detach(device: USBDevice, as: USBDevice = device): void {
    const i = this.devices.indexOf(device);
    if (i >= 0) this.devices.splice(i, 1);
    for (const l of [...this.#listeners.disconnect]) l({ device: as });
  }
}
