/** A QR code drawn with block characters, so `lanyard write …/totp/generate` can be scanned from the terminal. */
import QRCode from 'qrcode';

export function terminalQr(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}

/** Paths whose answer carries an otpauth:// `url` worth showing as a QR code. */
export const TOTP_GENERATE_PATH = /^identity\/mfa\/method\/totp\/(admin-)?generate$/;
