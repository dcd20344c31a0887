/**
 * Reads back the few ModelProto fields the export tests look at, with a minimal protobuf wire
 * decoder: the tests check what was written without trusting the writer's own structures.
 * Field numbers are onnx.proto3's (see onnx/proto.ts).
 */

interface Field {
  field: number;
  value: bigint | Uint8Array;
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, value: varint() };
    else if (wire === 2) {
      const n = Number(varint());
      yield { field, value: bytes.subarray(i, i + n) };
      i += n;
    } else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`onnx-read: wire type ${wire} at byte ${i}`);
  }
}

const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

export interface ReadNode {
  opType: string;
  domain: string;
  inputs: string[];
  attributes: string[];
}

export interface ReadTensor {
  name: string;
  rawBytes: number;
  dataLocation: number;
  external: Record<string, string>;
}

export interface ReadModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  nodes: ReadNode[];
  initializers: ReadTensor[];
}

export function readModel(bytes: Uint8Array): ReadModel {
  const model: ReadModel = { irVersion: 0, opsets: [], producer: '', nodes: [], initializers: [] };
  for (const f of fields(bytes)) {
    if (f.field === 1) model.irVersion = Number(f.value);
    else if (f.field === 2) model.producer = text(f.value);
    else if (f.field === 8) {
      const o = { domain: '', version: 0 };
      for (const g of fields(f.value as Uint8Array)) {
        if (g.field === 1) o.domain = text(g.value);
        if (g.field === 2) o.version = Number(g.value);
      }
      model.opsets.push(o);
    } else if (f.field === 7) {
      for (const g of fields(f.value as Uint8Array)) {
        if (g.field === 1) {
          const node: ReadNode = { opType: '', domain: '', inputs: [], attributes: [] };
          for (const h of fields(g.value as Uint8Array)) {
            if (h.field === 1) node.inputs.push(text(h.value));
            if (h.field === 4) node.opType = text(h.value);
            if (h.field === 7) node.domain = text(h.value);
            if (h.field === 5) for (const a of fields(h.value as Uint8Array)) if (a.field === 1) node.attributes.push(text(a.value));
          }
          model.nodes.push(node);
        } else if (g.field === 5) {
          const t: ReadTensor = { name: '', rawBytes: -1, dataLocation: 0, external: {} };
          for (const h of fields(g.value as Uint8Array)) {
            if (h.field === 8) t.name = text(h.value);
            if (h.field === 9) t.rawBytes = (h.value as Uint8Array).byteLength;
            if (h.field === 14) t.dataLocation = Number(h.value);
            if (h.field === 13) {
              let key = '';
              let value = '';
              for (const e of fields(h.value as Uint8Array)) {
                if (e.field === 1) key = text(e.value);
                if (e.field === 2) value = text(e.value);
              }
              t.external[key] = value;
            }
          }
          model.initializers.push(t);
        }
      }
    }
  }
  return model;
}
