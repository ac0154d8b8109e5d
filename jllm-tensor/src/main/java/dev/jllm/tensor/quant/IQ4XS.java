package dev.jllm.tensor.quant;

/**
 * IQ4_XS: 256 weights = f16 d, u16 scales_h, 4 bytes scales_l, 128 bytes of 4-bit indices into
 * {@link NonLinear4#VALUES}. Sub-block ib (32 weights) has the 6-bit scale
 * {@code ls = lo4(scales_l[ib/2] >> 4*(ib%2)) | (2 bits of scales_h at 2*ib) << 4} and
 * x = d * (ls - 32) * VALUES[index]. Encoding follows ggml's quantize_row_iq4_xs_ref: each
 * sub-block fitted with 7 trial scales either side, the scales quantized to 6 bits against
 * d = -(scale of largest magnitude) / 32, then every index re-chosen for its rounded scale.
 */
final class IQ4XS implements BlockCodec {
    @Override
    public void decode(byte[] b, int o, float[] y, int yo) {
        float d = BlockCodec.f16(b, o);
        int scalesH = BlockCodec.u8(b, o + 2) | (BlockCodec.u8(b, o + 3) << 8);
        for (int ib = 0; ib < 8; ib++) {
            int ls = ((BlockCodec.u8(b, o + 4 + ib / 2) >> (4 * (ib % 2))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
            NonLinear4.unpack(b, o + 8 + 16 * ib, d * (ls - 32), y, yo + 32 * ib);
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        byte[] L = new byte[256];
        float[] scales = new float[8];
        float maxScale = 0, amaxScale = 0;
        for (int ib = 0; ib < 8; ib++) {
            scales[ib] = NonLinear4.fitBlock(x, xo + 32 * ib, L, 32 * ib, 7);
            float abs = Math.abs(scales[ib]);
            if (abs > amaxScale) {
                amaxScale = abs;
                maxScale = scales[ib];
            }
        }
        float d = -maxScale / 32;
        BlockCodec.putF16(b, o, d);
        float id = d != 0 ? 1 / d : 0f;
        int scalesH = 0;
        for (int ib = 0; ib < 8; ib++) {
            int l = Math.max(-32, Math.min(31, KQuantSearch.nearestInt(id * scales[ib])));
            float dl = d * l, idl = dl != 0 ? 1 / dl : 0f;
            for (int j = 0; j < 32; j++) L[32 * ib + j] = (byte) NonLinear4.bestIndex(idl * x[xo + 32 * ib + j]);
            l += 32;
            if (ib % 2 == 0) b[o + 4 + ib / 2] = (byte) (l & 0xf);
            else b[o + 4 + ib / 2] |= (byte) ((l & 0xf) << 4);
            scalesH |= (l >> 4) << (2 * ib);
        }
        b[o + 2] = (byte) scalesH;
        b[o + 3] = (byte) (scalesH >> 8);
        for (int ib = 0; ib < 8; ib++) NonLinear4.pack(L, 32 * ib, b, o + 8 + 16 * ib);
    }
}
