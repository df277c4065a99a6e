// The GVariant text format (GLib's g_variant_parse) for the values of "org.systemd.property.*"
// annotations, as runc reads them with godbus's ParseVariant: the subset unit properties use -
// booleans, numbers (int32 unless typed: "uint64 123"), strings ('x' or "x"), and arrays of those
// ("[1, 2]", "['a', 'b']", "@as []").

export type Parsed = { signature: string; value: unknown } | { error: string };

const INTEGER_TYPES: Record<string, string> = {
  byte: 'y', int16: 'n', uint16: 'q', int32: 'i', uint32: 'u', int64: 'x', uint64: 't', double: 'd', boolean: 'b', string: 's', objectpath: 'o',
};

export function parseGVariant(text: string): Parsed {
  const s = text.trim();
  const typed = /^@(\S+)\s+(.*)$/s.exec(s);
  if (typed) {
    const [, sig, rest] = typed as unknown as [string, string, string];
    if (sig.startsWith('a') && rest.trim() === '[]') return { signature: sig, value: [] };
    const inner = parseGVariant(rest);
    if ('error' in inner) return inner;
    return { signature: sig, value: inner.value };
  }
  const word = /^(byte|int16|uint16|int32|uint32|int64|uint64|double|boolean|string|objectpath)\s+(.*)$/s.exec(s);
  if (word) {
    const inner = parseGVariant(word[2]!);
    if ('error' in inner) return inner;
    return { signature: INTEGER_TYPES[word[1]!]!, value: inner.value };
  }
  if (s === 'true' || s === 'false') return { signature: 'b', value: s === 'true' };
  if (/^-?\d+$/.test(s)) return { signature: 'i', value: s };
  if (/^-?\d+\.\d*(e-?\d+)?$/i.test(s)) return { signature: 'd', value: Number(s) };
  if (/^'([^'\\]|\\.)*'$/s.test(s) || /^"([^"\\]|\\.)*"$/s.test(s)) return { signature: 's', value: s.slice(1, -1).replace(/\\(.)/g, '$1') };
  if (s.startsWith('[') && s.endsWith(']')) {
    const body = s.slice(1, -1).trim();
    if (body === '') return { error: 'an empty array needs a type ("@as []")' };
    const items = splitTopLevel(body).map(parseGVariant);
    const bad = items.find((i) => 'error' in i);
    if (bad) return bad;
    const sigs = new Set(items.map((i) => (i as { signature: string }).signature));
    if (sigs.size !== 1) return { error: 'array items of different types' };
    return { signature: `a${[...sigs][0]}`, value: items.map((i) => (i as { value: unknown }).value) };
  }
  return { error: 'not a GVariant value this runtime understands (boolean, number, string, or an array of them)' };
}

function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out;
}
