package dev.jllm.tensor.quant;

/** Q8_0: 32 weights = f16 scale d + 32 int8; x = d * q. ggml: d = amax / 127, q = round(x / d). */
final class Q8_0 implements BlockCodec {
    @Override
    public void decode(byte[] b, int o, float[] y, int d) {
        float scale = BlockCodec.f16(b, o);
        for (int j = 0; j < 32; j++) y[d + j] = scale * b[o + 2 + j];
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BlockCodec.putF16(b, o, d);
        for (int j = 0; j < 32; j++) b[o + 2 + j] = (byte) KQuantSearch.roundf(x[xo + j] * id);
    }
}
