// The textual forms a secret value can take on its way out: raw (also lower and upper case), base64 (every byte alignment, so the value is found
// inside a longer base64 blob too), base64url, hex, URL/form encoding and JSON string escaping. Pure functions only;
// this file never sees where a value came from or where it goes.

/** Encoded forms shorter than this are not registered: a short base64 fragment matches ordinary text too often. */
export const MIN_ENCODED_LENGTH = 8;

/** Every distinct form of `value` worth looking for, the raw value first. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = new Set<string>([value]);
  const add = (form: string) => {
    if (form.length >= MIN_ENCODED_LENGTH) forms.add(form);
  };
  // Host names are case-insensitive and come back lower-cased from the URL parser: a value used as a DNS label.
  add(value.toLowerCase());
  add(value.toUpperCase());
  for (const core of base64Cores(bytes)) {
    add(core);
    add(toUrlAlphabet(core));
  }
  const whole = bytes.toString("base64");
  add(whole);
  add(whole.replace(/=+$/, ""));
  add(bytes.toString("base64url"));
  const hex = bytes.toString("hex");
  add(hex);
  add(hex.toUpperCase());
  const uri = encodeURIComponent(value);
  add(uri);
  add(uri.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
  add(uri.replace(/%20/g, "+"));
  // Every byte escaped, as some clients do for anything outside [A-Za-z0-9].
  add(hex.replace(/(..)/g, "%$1").toUpperCase());
  add(JSON.stringify(value).slice(1, -1));
  return [...forms];
}

/**
 * The base64 characters that depend only on the value's bytes, for each of the three positions (mod 3) the value can
 * start at inside a longer byte string. Characters mixing in neighbouring bytes are left out, so at most a few bits
 * at each end of an embedded encoding stay visible after redaction.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const text = padded.toString("base64");
    const first = Math.ceil((8 * shift) / 6);
    const last = Math.floor((8 * (shift + bytes.length)) / 6);
    if (last > first) cores.push(text.slice(first, last));
  }
  return cores;
}

function toUrlAlphabet(b64: string): string {
  return b64.replace(/\+/g, "-").replace(/\//g, "_");
}
