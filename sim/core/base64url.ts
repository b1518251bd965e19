// base64url (RFC 4648 §5) for text, as JWTs use it: UTF-8 bytes, `-` and `_`, no padding written.
//
// Job: encode a string to unpadded base64url, and decode base64url back to a string, refusing
// anything absl::WebSafeBase64Unescape refuses (a character outside the alphabet, a length that
// leaves one dangling character, padding in the middle) and bytes that are not valid UTF-8.
//
// Invariants: pure; decode(encode(s)) === s for every string without lone surrogates (which
// TextEncoder writes as U+FFFD); decode accepts input with or without `=` padding.
//
// Not modelled: whitespace inside the input (refused), the standard `+` `/` alphabet (refused).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function base64UrlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2]!;
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 !== undefined) out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)]!;
    if (b2 !== undefined) out += ALPHABET[b2 & 63]!;
  }
  return out;
}

/** The decoded text, or null when the input is not base64url or not UTF-8. */
export function base64UrlDecode(encoded: string): string | null {
  const bytes = base64UrlBytes(encoded);
  if (bytes === null) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The decoded bytes, or null when the input is not base64url. */
export function base64UrlBytes(encoded: string): Uint8Array | null {
  const unpadded = encoded.replace(/={1,2}$/, '');
  if (unpadded !== encoded && encoded.length % 4 !== 0) return null;
  if (unpadded.length % 4 === 1) return null;
  const values: number[] = [];
  for (const char of unpadded) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    values.push(value);
  }
  const bytes = new Uint8Array(Math.floor((values.length * 6) / 8));
  let at = 0;
  for (let i = 0; i < values.length; i += 4) {
    const [v0, v1, v2, v3] = [values[i]!, values[i + 1]!, values[i + 2], values[i + 3]];
    bytes[at++] = (v0 << 2) | (v1 >> 4);
    if (v2 !== undefined) bytes[at++] = ((v1 & 15) << 4) | (v2 >> 2);
    if (v3 !== undefined) bytes[at++] = ((v2! & 3) << 6) | v3;
  }
  return bytes;
}
