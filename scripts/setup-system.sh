#!/bin/sh
# System tools for the interop tests (Debian/Ubuntu): gphoto2 as a reference
# PTP/IP client, tshark to check captures, QEMU for the USB VM tests.
set -e
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends gphoto2 tshark qemu-system-x86
