/**
 * What Nikon bodies need over PTP/IP (Wi-Fi: built-in, WU-1a/1b adapters).
 *
 * Sources, read for facts:
 * - airnef (a Nikon Wi-Fi download tool, reverse-engineered from Nikon's
 *   Wireless Mobile Utility): right after the event channel's handshake it
 *   sends a Probe Request there and waits for the Probe Response, because
 *   without it (or a one-second pause) the session hangs on Nikon bodies. It
 *   does so for every camera, before it knows the make, so `PtpIpTransport`
 *   does it after every handshake: nothing here depends on the name a body
 *   announces. airnef introduces itself with the GUID
 *   00112233445566778899000000000000.
 * - libgphoto2 `camlibs/ptp2/ptpip.c`: "Nikon WU-1* adapters might use
 *   0011223344556677 as GUID always".
 * Nothing in libgphoto2's camera_init is Nikon- and PTP/IP-specific.
 */
import type { ExtensionPtpIp } from '../extension.js';

/** The initiator GUID Nikon's Wi-Fi apps (and airnef) present; bodies paired with them accept it. */
export const NIKON_WIFI_GUID = '00112233445566778899000000000000';

/** Nikon over PTP/IP: the GUID of Nikon's apps, presented when `extension: 'nikon'` is imposed. */
export const NIKON_PTPIP: ExtensionPtpIp = {
  guid: NIKON_WIFI_GUID,
};
