/** QR codes of otpauth:// URLs: a PNG for the API's `barcode`, text for the terminal. */
import QRCode from 'qrcode';

/** Base64 PNG of `text`, `size` pixels wide (Vault's `qr_size`); empty when size is 0. */
export async function qrPngBase64(text: string, size: number): Promise<string> {
  if (size <= 0) return '';
  const png = await QRCode.toBuffer(text, { type: 'png', width: size, margin: 2, errorCorrectionLevel: 'M' });
  return png.toString('base64');
}
