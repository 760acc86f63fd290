/**
 * QR codes of otpauth:// URLs as a PNG for the API's `barcode`. The encoder
 * is loaded on first use: most servers draw one when a person enrols TOTP, and never otherwise.
 */
type QrCode = typeof import('qrcode');
let encoder: Promise<QrCode> | undefined;

async function qrcode(): Promise<QrCode> {
  const loaded = await (encoder ??= import('qrcode'));
  // A CommonJS package: Node hands its exports over as `default`.
  return (loaded as QrCode & { default?: QrCode }).default ?? loaded;
}

/** Base64 PNG of `text`, `size` pixels wide (Vault's `qr_size`); empty when size is 0. */
export async function qrPngBase64(text: string, size: number): Promise<string> {
  if (size <= 0) return '';
  const png = await (await qrcode()).toBuffer(text, { type: 'png', width: size, margin: 2, errorCorrectionLevel: 'M' });
  return png.toString('base64');
}
