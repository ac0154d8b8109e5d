package dev.jllm.formats.onnx;

import dev.jllm.tensor.DType;

/** ONNX {@code TensorProto.DataType} values, with the jllm dtype where there is one. */
public enum OnnxDataType {
    UNDEFINED(0, 0, null), FLOAT(1, 32, DType.F32), UINT8(2, 8, DType.U8), INT8(3, 8, DType.I8),
    UINT16(4, 16, null), INT16(5, 16, DType.I16), INT32(6, 32, DType.I32), INT64(7, 64, DType.I64),
    STRING(8, 0, null), BOOL(9, 8, DType.BOOL), FLOAT16(10, 16, DType.F16), DOUBLE(11, 64, DType.F64),
    UINT32(12, 32, null), UINT64(13, 64, null), COMPLEX64(14, 64, null), COMPLEX128(15, 128, null),
    BFLOAT16(16, 16, DType.BF16), FLOAT8E4M3FN(17, 8, null), FLOAT8E4M3FNUZ(18, 8, null), FLOAT8E5M2(19, 8, null),
    FLOAT8E5M2FNUZ(20, 8, null), UINT4(21, 4, null), INT4(22, 4, null), FLOAT4E2M1(23, 4, null),
    FLOAT8E8M0(24, 8, null), UINT2(25, 2, null), INT2(26, 2, null);

    private final int id;
    private final int bits;
    private final DType dtype;

    OnnxDataType(int id, int bits, DType dtype) {
        this.id = id;
        this.bits = bits;
        this.dtype = dtype;
    }

    public int id() { return id; }

    /** Bits per element; 0 for UNDEFINED and STRING, which have no fixed size. */
    public int bits() { return bits; }

    /** jllm's dtype, or null when jllm cannot compute with this type. */
    public DType dtype() { return dtype; }

    public static OnnxDataType fromId(int id) {
        for (OnnxDataType t : values()) if (t.id == id) return t;
        return null;
    }
}
