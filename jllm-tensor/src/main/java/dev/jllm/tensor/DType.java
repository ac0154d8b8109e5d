package dev.jllm.tensor;

/**
 * Element types. Block-quantized types store {@link #blockSize()} elements in
 * {@link #blockBytes()} bytes, laid out exactly as ggml defines them, so GGUF tensors
 * are used in place. A quantized weight is just a tensor of such a dtype (DESIGN principle 3).
 */
public enum DType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    Q2_K(10, 256, 16 + 64 + 2 + 2),
    Q3_K(11, 256, 32 + 64 + 12 + 2),
    Q4_K(12, 256, 2 + 2 + 12 + 128),
    Q5_K(13, 256, 2 + 2 + 12 + 32 + 128),
    Q6_K(14, 256, 128 + 64 + 16 + 2),
    /** 4-bit indices into a non-linear grid of 16 int8 levels, f16 scale per 32. */
    IQ4_NL(20, 32, 2 + 16),
    /** IQ4_NL's grid with 6-bit scales per 32 under an f16 scale per 256 (4.25 bits per weight). */
    IQ4_XS(23, 256, 2 + 2 + 4 + 128),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2),
    /** Not a ggml type; safetensors and ONNX have them. */
    U8(-1, 1, 1),
    BOOL(-1, 1, 1);

    private final int ggmlType;
    private final int blockSize;
    private final int blockBytes;

    DType(int ggmlType, int blockSize, int blockBytes) {
        this.ggmlType = ggmlType;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The ggml_type id used in GGUF tensor infos, or -1 when ggml has no such type. */
    public int ggmlType() { return ggmlType; }

    /** Elements per block: 1 for plain types, 32 or 256 for block-quantized types. */
    public int blockSize() { return blockSize; }

    /** Bytes per block (for plain types: bytes per element). */
    public int blockBytes() { return blockBytes; }

    public boolean isQuantized() { return blockSize > 1; }

    public boolean isFloatingPoint() { return this == F32 || this == F16 || this == BF16 || this == F64; }

    /** Bytes needed for {@code elements} elements; throws if they do not fill whole blocks. */
    public long byteSize(long elements) {
        if (elements < 0) throw new IllegalArgumentException("negative element count " + elements);
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " stores blocks of " + blockSize
                    + " elements; " + elements + " is not a multiple");
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The dtype with this ggml_type id, or null if jllm does not know it. */
    public static DType fromGgmlType(int id) {
        for (DType t : values()) if (t.ggmlType == id && id >= 0) return t;
        return null;
    }
}
