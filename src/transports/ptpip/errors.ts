import { TransportError } from '../../core/errors.js';
import { InitFailReason } from './packets.js';

const REASONS: Readonly<Record<number, string>> = {
  [InitFailReason.RejectedInitiator]:
    'the camera rejected this initiator — it may be paired with another computer (GUID); pair again on the camera, or pass the GUID it knows',
  [InitFailReason.Busy]: 'the camera is busy with another initiator; disconnect the other app and retry',
  [InitFailReason.Unspecified]: 'the camera refused the connection (unspecified reason)',
  [InitFailReason.Undefined]: 'the camera refused the connection (no reason given)',
};

/** The responder answered the PTP/IP handshake with Init Fail. */
export class PtpIpInitFailError extends TransportError {
  /** The Init Fail reason code (see `InitFailReason`). */
  readonly reason: number;
  constructor(reason: number, channel: 'command' | 'event') {
    super(`PTP/IP ${channel} channel: ${REASONS[reason] ?? `refused with reason ${reason}`}`);
    this.reason = reason;
  }
}
