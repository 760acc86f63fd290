/** QR codes of otpauth:// URLs: a PNG for the API's `barcode`, text for the terminal. */
import QRCode from 'qrcode';

/** Base64 PNG of `text`, `size` pixels wide (Vault's `qr_size`); empty when size is 0. */
export async function qrPngBase64(text: string, size: number): Promise<string> {
  if (size <= 0) return '';
  const png = await QRCode.toBuffer(text, { type: 'png', width: size, margin: 2, errorCorrectionLevel: 'M' });
  return png.toString('base64');
}

/** The QR code drawn with block characters, for a terminal. */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
