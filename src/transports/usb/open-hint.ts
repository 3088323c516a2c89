/**
 * What to tell a user who cannot open a camera: the errors people hit (busy,
 * permission denied, no libusb backend), recognised in libusb's codes as
 * node-usb reports them, each with the usual cause and the fix.
 */

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What to do about the errors people hit when opening a camera (libusb's codes, as node-usb reports them). */
export function openHint(err: unknown): string {
  const text = message(err);
  if (/ACCESS|EACCES|permission/i.test(text)) {
    return (
      '. Permission denied: on Linux allow your user to open cameras with a udev rule, e.g. ' +
      '/etc/udev/rules.d/60-ptpts.rules containing SUBSYSTEM=="usb", ENV{ID_GPHOTO2}=="1", MODE="0664", GROUP="plugdev" ' +
      '(then replug; your user must be in plugdev)'
    );
  }
  if (/BUSY|EBUSY|claimed|in use/i.test(text)) {
    const platform = typeof process !== 'undefined' ? process.platform : '';
    const culprit =
      platform === 'darwin'
        ? 'ptpcamerad (macOS) holds it: quit Photos/Image Capture, or `killall ptpcamerad`'
        : platform === 'win32'
          ? 'Windows uses another driver for it: install WinUSB for the camera (e.g. with Zadig)'
          : 'another program holds it, usually gvfs-gphoto2-volume-monitor: unmount the camera in the file manager or `pkill -f gvfs-gphoto2-volume-monitor`';
    return `. The device is busy: ${culprit}`;
  }
  if (/NOT_SUPPORTED|no backend|LIBUSB_ERROR_OTHER/i.test(text)) {
    return '. libusb cannot drive this device here: on Linux install libusb-1.0-0; on Windows it needs the WinUSB driver';
  }
  return '';
}
