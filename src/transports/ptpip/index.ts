export {
  PtpIpTransport, PTPIP_HANDSHAKE_PROBE_TIMEOUT_MS,
  type PtpIpProbeOptions, type PtpIpQuirks, type PtpIpQuirksSelector, type PtpIpResponderIdentity, type PtpIpTransportOptions,
} from './transport.js';
export { PtpIpServer, type PtpIpServerOptions } from './server.js';
export { PtpIpInitFailError } from './errors.js';
export { defaultGuid, formatGuid, parseGuid } from './guid.js';
export {
  DataPhase, InitFailReason, PacketType as PtpIpPacketType, PTPIP_VERSION, decodePacket as decodePtpIpPacket,
  encodePacket as encodePtpIpPacket, packetTypeName as ptpIpPacketTypeName,
  encodeDataHeader as encodePtpIpDataHeader,
  type Packet as PtpIpPacket, type PacketFields as PtpIpPacketFields, type PacketTypeCode as PtpIpPacketTypeCode,
  type PacketTypeName as PtpIpPacketTypeName,
} from './packets.js';
export { PtpIpPacketParser, type PacketParserHandlers, type PacketParserOptions } from './parser.js';
