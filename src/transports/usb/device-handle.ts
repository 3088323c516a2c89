/**
 * Who holds a `USBDevice` open. Discovery (reading a Microsoft OS descriptor)
 * and `UsbTransport` are handed the same object for a device (node-usb's
 * shared WebUSB wraps each device once), so "open it if closed, close it
 * afterwards" done by each on its own lets one close the handle the other has
 * just started using. Both take a lease here instead: the handle is opened by
 * the first lease that finds it closed and closed when the last lease is
 * returned; a handle that was open before any lease (the application's own)
 * is never closed. Opening and closing for one device run one at a time.
 */

interface Holders {
  /** Leases not yet returned. */
  users: number;
  /** A lease opened the handle, so the last one returned closes it. */
  openedByLease: boolean;
  /** The last open or close started for this device; the next waits for it. */
  queue: Promise<unknown>;
}

const holders = new WeakMap<USBDevice, Holders>();

/** A share of a device's open handle; `release()` gives it back (once; later calls do nothing). */
export interface DeviceLease {
  release(): Promise<void>;
}

/** Opens `device` unless it is open, and counts the caller as one of its users until `release()`. */
export async function leaseDevice(device: USBDevice): Promise<DeviceLease> {
  let h = holders.get(device);
  if (h === undefined) {
    h = { users: 0, openedByLease: false, queue: Promise.resolve() };
    holders.set(device, h);
  }
  const state = h;
  await serial(state, async () => {
    if (!device.opened) {
      await device.open();
      state.openedByLease = true;
    }
    state.users++;
  });
  let returned = false;
  return {
    release: async () => {
      if (returned) return;
      returned = true;
      await serial(state, async () => {
        state.users--;
        if (state.users > 0 || !state.openedByLease) return;
        state.openedByLease = false;
        if (device.opened) await device.close();
      });
    },
  };
}

/** Runs `step` after every open or close already started for the device. */
function serial(h: Holders, step: () => Promise<void>): Promise<void> {
  const next = h.queue.catch(() => undefined).then(step);
  h.queue = next;
  return next;
}
