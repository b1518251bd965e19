import test from 'ava';
import { base64UrlBytes, base64UrlDecode, base64UrlEncode } from './base64url.ts';

test('RFC 4648 §10 vectors, base64url without padding', (t) => {
  const vectors: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']];
  for (const [plain, encoded] of vectors) {
    t.is(base64UrlEncode(plain), encoded);
    t.is(base64UrlDecode(encoded), plain);
  }
});

test('the URL-safe alphabet and UTF-8 round trip', (t) => {
  t.is(base64UrlEncode('\u00ff\u00fe?>'), 'w7_Dvj8-');
  t.is(base64UrlDecode('w7_Dvj8-'), '\u00ff\u00fe?>');
  for (const text of ['{"iss":"a"}', 'héllo wörld ✓', '🙂']) t.is(base64UrlDecode(base64UrlEncode(text)), text);
});

test('padding is accepted at the end only; other characters, dangling lengths and bad UTF-8 are refused', (t) => {
  t.is(base64UrlDecode('Zg=='), 'f');
  t.is(base64UrlDecode('Zm8='), 'fo');
  t.is(base64UrlDecode('Zg='), null);
  t.is(base64UrlDecode('Z=g='), null);
  t.is(base64UrlDecode('Zm9v+'), null);
  t.is(base64UrlDecode('Zm9vY'), null);
  t.is(base64UrlDecode('_w'), null);
  t.deepEqual([...base64UrlBytes('_w')!], [255]);
});
