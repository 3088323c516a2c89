#!/bin/sh
# System tools for the interop tests (Debian/Ubuntu): gphoto2 as a reference
# PTP/IP client, tshark to check captures, and for the USB VM tests (test/vm/)
# QEMU, a kernel for the guest, what test/vm/usb-vm builds its initramfs with
# (busybox-static cpio kmod xz-utils zstd), umtp-responder and udev; and
# chromium, which runs the browser test (test/browser/) headless.
# Same packages and answers as .ci/run; never prompts.
set -e
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
# wireshark-common asks whether non-root users may capture: answer no (the
# default). To run the tshark test as yourself later: `sudo dpkg-reconfigure
# wireshark-common` (answer yes) and `sudo usermod -a -G wireshark $USER`.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections
$SUDO apt-get update
# `env` because sudo drops DEBIAN_FRONTEND from the environment.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gphoto2 tshark \
  qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils zstd umtp-responder udev chromium
