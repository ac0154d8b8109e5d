package dev.jllm.tensor.quant;

/**
 * IQ4_NL: 32 weights = f16 d + 16 bytes of 4-bit indices into {@link NonLinear4#VALUES};
 * x[j] = d * VALUES[lo(q[j])], x[j+16] = d * VALUES[hi(q[j])]. Encoding follows ggml's
 * quantize_row_iq4_nl_ref: one least-squares pass, no trial scales. An all-zero block keeps the
 * previous block's indices (ggml reuses its index buffer; d = 0 makes them decode to zeros), so
 * one codec instance encodes one row, blocks in order.
 */
final class IQ4NL implements BlockCodec {
    private final byte[] indices = new byte[32];

    @Override
    public void decode(byte[] b, int o, float[] y, int d) {
        NonLinear4.unpack(b, o + 2, BlockCodec.f16(b, o), y, d);
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        float d = NonLinear4.fitBlock(x, xo, indices, 0, -1);
        BlockCodec.putF16(b, o, d);
        NonLinear4.pack(indices, 0, b, o + 2);
    }
}
