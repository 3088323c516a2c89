/**
 * PTP DateTime strings: `YYYYMMDDThhmmss[.s][Z|±hhmm]` (ISO 8601 basic form).
 * Datasets keep the string exactly as the device sent it (so re-encoding is
 * byte-identical); these helpers convert to and from a typed value.
 */

/** A parsed PTP DateTime. */
export interface PtpDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Tenths of a second, when the device gave them. */
  readonly tenths?: number;
  /**
   * Offset from UTC in minutes: 0 for `Z`, +120 for `+0200`. Absent when the
   * string had no zone, which PTP defines as the device's local time.
   */
  readonly utcOffsetMinutes?: number;
}

// Lenient on purpose: devices send lowercase 't', a missing 'T', or trailing junk.
const pattern =
  /^\s*(\d{4})(\d{2})(\d{2})[Tt ]?(\d{2})(\d{2})(\d{2})(?:\.(\d))?\d*\s*(Z|z|[+-]\d{2}:?\d{2})?/;

/** Parses a PTP DateTime string; `undefined` for an empty or unreadable one (never throws). */
export function parsePtpDateTime(text: string): PtpDateTime | undefined {
  const m = pattern.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  // 24:00:00 is ISO 8601's end of day; a leap second (:60) is allowed.
  const endOfDay = hour === 24 && minute === 0 && second === 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || (hour > 23 && !endOfDay) || minute > 59 || second > 60) {
    return undefined;
  }
  const tenths = m[7] !== undefined ? Number(m[7]) : undefined;
  const zone = m[8];
  let utcOffsetMinutes: number | undefined;
  if (zone === 'Z' || zone === 'z') utcOffsetMinutes = 0;
  else if (zone !== undefined) {
    const digits = zone.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    utcOffsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  return {
    year, month, day, hour, minute, second,
    ...(tenths !== undefined ? { tenths } : {}),
    ...(utcOffsetMinutes !== undefined ? { utcOffsetMinutes } : {}),
  };
}

/**
 * The instant a PTP DateTime denotes. Without a zone the time is taken as
 * local to this machine (what the camera's clock shows). `undefined` for an
 * empty or unreadable string.
 */
export function ptpDateTimeToDate(value: string | PtpDateTime): Date | undefined {
  const t = typeof value === 'string' ? parsePtpDateTime(value) : value;
  if (t === undefined) return undefined;
  const ms = (t.tenths ?? 0) * 100;
  if (t.utcOffsetMinutes === undefined) {
    return new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, ms);
  }
  return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, ms) - t.utcOffsetMinutes * 60_000);
}

/** Options of {@link formatPtpDateTime}. */
export interface FormatPtpDateTimeOptions {
  /** `'utc'` writes UTC with `Z`; `'local'` (default) writes local time with no zone, as most cameras do. */
  readonly zone?: 'utc' | 'local';
  /** Append tenths of a second (`.s`). Default false. */
  readonly tenths?: boolean;
}

/** Formats a Date as a PTP DateTime string. */
export function formatPtpDateTime(date: Date, options: FormatPtpDateTimeOptions = {}): string {
  const utc = options.zone === 'utc';
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const y = utc ? date.getUTCFullYear() : date.getFullYear();
  const mo = (utc ? date.getUTCMonth() : date.getMonth()) + 1;
  const d = utc ? date.getUTCDate() : date.getDate();
  const h = utc ? date.getUTCHours() : date.getHours();
  const mi = utc ? date.getUTCMinutes() : date.getMinutes();
  const s = utc ? date.getUTCSeconds() : date.getSeconds();
  const ms = utc ? date.getUTCMilliseconds() : date.getMilliseconds();
  const frac = options.tenths === true ? `.${Math.floor(ms / 100)}` : '';
  return `${p(y, 4)}${p(mo)}${p(d)}T${p(h)}${p(mi)}${p(s)}${frac}${utc ? 'Z' : ''}`;
}
