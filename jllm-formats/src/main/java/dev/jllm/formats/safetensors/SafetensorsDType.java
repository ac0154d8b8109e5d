package dev.jllm.formats.safetensors;

import dev.jllm.tensor.DType;

/**
 * The dtype names of the safetensors header, with their storage size, and the jllm dtype
 * when jllm computes with it. Names the format defines that jllm has no dtype for (U16,
 * F8_E4M3, ...) still size-check and list, but {@code tensor()} on them fails clearly.
 */
public enum SafetensorsDType {
    BOOL(8, DType.BOOL), U8(8, DType.U8), I8(8, DType.I8), I16(16, DType.I16), I32(32, DType.I32),
    I64(64, DType.I64), F16(16, DType.F16), BF16(16, DType.BF16), F32(32, DType.F32), F64(64, DType.F64),
    U16(16, null), U32(32, null), U64(64, null), F8_E4M3(8, null), F8_E5M2(8, null), F8_E8M0(8, null),
    F6_E2M3(6, null), F6_E3M2(6, null), F4(4, null), C64(64, null);

    private final int bits;
    private final DType dtype;

    SafetensorsDType(int bits, DType dtype) {
        this.bits = bits;
        this.dtype = dtype;
    }

    public int bits() { return bits; }

    /** jllm's dtype, or null when jllm cannot compute with this one. */
    public DType dtype() { return dtype; }

    /** Bytes of {@code numel} elements, or -1 when sub-byte elements do not fill whole bytes. */
    public long byteSize(long numel) {
        long totalBits = Math.multiplyExact(numel, (long) bits);
        return totalBits % 8 == 0 ? totalBits / 8 : -1;
    }

    /** The name for a header string, or null if the format has no such dtype. */
    public static SafetensorsDType fromName(String name) {
        for (SafetensorsDType d : values()) if (d.name().equals(name)) return d;
        return null;
    }

    /** The safetensors name of a jllm dtype; throws for block-quantized dtypes. */
    public static SafetensorsDType of(DType d) {
        for (SafetensorsDType s : values()) if (s.dtype == d) return s;
        throw new IllegalArgumentException("safetensors has no dtype for " + d + " (store it in GGUF, or dequantize first)");
    }
}
