/**
 * What Nikon bodies need over PTP/IP:
 * - the Probe Request on the event channel right after the handshake, which
 *   airnef found Nikon bodies need (else the session hangs). The initiator
 *   sends it after every handshake, whatever the body calls itself. Our
 *   PTP/IP server answers probes below the responder, so a scripted responder
 *   here plays the body: it sits on every operation until it has been probed.
 * - the GUID of Nikon's Wi-Fi apps, which a body paired with them accepts
 *   (presented when `extension: 'nikon'` is imposed): the virtual D750 is
 *   told to accept only that GUID.
 */
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { Camera } from '../../../src/camera.js';
import { OperationCode } from '../../../src/core/codes/operations.js';
import { ResponseCode } from '../../../src/core/codes/responses.js';
import { encodeDeviceInfo, type DeviceInfo } from '../../../src/core/datasets/device-info.js';
import { NIKON_WIFI_GUID } from '../../../src/extensions/nikon/index.js';
import { resolvePersonality } from '../../../src/responder/personalities/index.js';
import { startVirtualCamera } from '../../../src/responder/start.js';
import { PtpIpInitFailError } from '../../../src/transports/ptpip/errors.js';
import { formatGuid } from '../../../src/transports/ptpip/guid.js';
import {
  decodePacket, encodePacket, InitFailReason, PacketType, PTPIP_VERSION, type Packet,
} from '../../../src/transports/ptpip/packets.js';
import { PtpIpTransport } from '../../../src/transports/ptpip/transport.js';
import { rejectionOf } from '../../support/assertions.js';

/** A PTP/IP responder that, like a Nikon body per airnef, answers no operation before a Probe Request on its event channel. */
class ProbeHungryResponder {
  readonly server: Server;
  /** GUIDs of the initiators that introduced themselves, as hex. */
  readonly guids: string[] = [];
  probes = 0;
  readonly #name: string;
  readonly #info: DeviceInfo;
  readonly #held: Array<() => void> = [];
  readonly #sockets = new Set<Socket>();

  constructor(name: string, info: DeviceInfo) {
    this.#name = name;
    this.#info = info;
    this.server = createServer((socket) => this.#accept(socket));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('not listening');
    return `ptpip://127.0.0.1:${a.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8) {
        const length = buffered.readUInt32LE(0);
        if (buffered.length < length) return;
        const type = buffered.readUInt32LE(4);
        const packet = decodePacket(type, new Uint8Array(buffered.subarray(8, length)));
        buffered = buffered.subarray(length);
        this.#packet(socket, packet);
      }
    });
  }

  #packet(socket: Socket, p: Packet): void {
    switch (p.type) {
      case PacketType.InitCommandRequest:
        this.guids.push(formatGuid(p.guid));
        socket.write(encodePacket(PacketType.InitCommandAck, {
          connectionNumber: 1, guid: new Uint8Array(16).fill(7), friendlyName: this.#name, protocolVersion: PTPIP_VERSION,
        }));
        return;
      case PacketType.InitEventRequest:
        socket.write(encodePacket(PacketType.InitEventAck, {}));
        return;
      case PacketType.ProbeRequest:
        this.probes++;
        socket.write(encodePacket(PacketType.ProbeResponse, {}));
        for (const answer of this.#held.splice(0)) answer();
        return;
      case PacketType.OperationRequest: {
        const answer = (): void => this.#answer(socket, p.code, p.transactionId);
        if (this.probes === 0) this.#held.push(answer);
        else answer();
        return;
      }
      default:
        return;
    }
  }

  #answer(socket: Socket, code: number, transactionId: number): void {
    if (code === OperationCode.GetDeviceInfo) {
      const data = encodeDeviceInfo(this.#info);
      socket.write(encodePacket(PacketType.StartData, { transactionId, totalLength: BigInt(data.length) }));
      socket.write(encodePacket(PacketType.EndData, { transactionId }, data));
    }
    const known = code === OperationCode.GetDeviceInfo || code === OperationCode.OpenSession || code === OperationCode.CloseSession;
    socket.write(encodePacket(PacketType.OperationResponse, {
      code: known ? ResponseCode.OK : ResponseCode.OperationNotSupported, transactionId, params: [],
    }));
  }
}

async function d750Info(): Promise<DeviceInfo> {
  const recorded = (await resolvePersonality('nikon-d750')).deviceInfo;
  return {
    standardVersion: 100, vendorExtensionId: 0, vendorExtensionVersion: 0, vendorExtensionDesc: '', functionalMode: 0,
    operationsSupported: [], eventsSupported: [], devicePropertiesSupported: [], captureFormats: [], playbackFormats: [],
    manufacturer: '', model: '', deviceVersion: '', serialNumber: '',
    ...recorded,
  };
}

describe('Nikon PTP/IP quirks', function () {
  this.timeout(20_000);

  describe('the Probe Request after the handshake', () => {
    let responder: ProbeHungryResponder | undefined;
    afterEach(async () => {
      await responder?.close();
      responder = undefined;
    });

    for (const name of ['WU-1a', 'Nikon D750', '']) {
      it(`is sent whatever the body announces ("${name}"), nothing imposed, so the body answers`, async () => {
        responder = new ProbeHungryResponder(name, await d750Info());
        // A short call timeout: without the probe, GetDeviceInfo would never be answered.
        const camera = await Camera.open({ transport: await responder.listen(), timeoutMs: 1000 });
        try {
          expect((camera.transport as PtpIpTransport).responderName).to.equal(name);
          expect(responder.probes).to.equal(1);
          expect(camera.extension.name).to.equal('nikon');
          await camera.session(async () => undefined);
        } finally {
          await camera.close();
        }
      });
    }

    it('is sent with nikon imposed too, and then with the GUID of Nikon\'s Wi-Fi apps', async () => {
      responder = new ProbeHungryResponder('WU-1a', await d750Info());
      const camera = await Camera.open({ transport: await responder.listen(), extension: 'nikon', timeoutMs: 1000 });
      try {
        expect(responder.probes).to.equal(1);
        expect(responder.guids).to.deep.equal([NIKON_WIFI_GUID]);
      } finally {
        await camera.close();
      }
    });
  });

  describe('a D750 paired with Nikon\'s app (accepts only its GUID)', () => {
    it('refuses ptpts\'s own GUID, and accepts Nikon\'s once nikon is imposed', async () => {
      const emu = await startVirtualCamera({ personality: 'nikon-d750', ptpip: { port: 0, allowGuids: [NIKON_WIFI_GUID] } });
      try {
        const refused = await rejectionOf(Camera.open({ transport: emu.url! }));
        expect(refused).to.be.instanceOf(PtpIpInitFailError);
        expect((refused as PtpIpInitFailError).reason).to.equal(InitFailReason.RejectedInitiator);

        const camera = await Camera.open({ transport: emu.url!, extension: 'nikon' });
        try {
          expect(formatGuid((camera.transport as PtpIpTransport).guid)).to.equal(NIKON_WIFI_GUID);
          expect((camera.transport as PtpIpTransport).responderName).to.equal('Nikon Corporation D750');
          expect(await camera.session(() => camera.getStorageIds())).to.have.length(1);
        } finally {
          await camera.close();
        }
      } finally {
        await emu.close();
      }
    });
  });
});
