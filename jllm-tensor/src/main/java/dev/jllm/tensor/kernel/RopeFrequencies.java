package dev.jllm.tensor.kernel;

/**
 * A rotary-embedding frequency table: {@code rotaryDims/2} inverse frequencies plus the
 * attention factor (YaRN's mscale) that multiplies cos and sin.
 *
 * <p>The factories reproduce Hugging Face transformers' rope init functions
 * ({@code modeling_rope_utils.py}: default, linear, dynamic, llama3, yarn; plus the static
 * NTK-aware base change), including their
 * float32 rounding of the exponent {@code i/dim} and of {@code base^(i/dim)}, so the tables
 * match HF's {@code inv_freq} buffers to a float ulp or two. Any other scheme (LongRoPE,
 * learned factors) can be supplied through {@link #of}.
 */
public final class RopeFrequencies {
    private final float[] invFreq;
    private final float attentionFactor;
    /** Non-null for dynamic NTK: how the table grows past {@code maxPositions}. */
    private final Dynamic dynamic;
    /** The table {@link #forLength} built last (decode asks for one length after another). */
    private volatile Sized last;

    private record Dynamic(int rotaryDims, double theta, double factor, int maxPositions) {}
    private record Sized(int length, RopeFrequencies table) {}

    private RopeFrequencies(float[] invFreq, float attentionFactor) {
        this(invFreq, attentionFactor, null);
    }

    private RopeFrequencies(float[] invFreq, float attentionFactor, Dynamic dynamic) {
        this.invFreq = invFreq;
        this.attentionFactor = attentionFactor;
        this.dynamic = dynamic;
    }

    /** A caller-computed table; {@code invFreq.length} is half the rotary dimensions. */
    public static RopeFrequencies of(float[] invFreq, float attentionFactor) {
        if (invFreq.length == 0) throw new IllegalArgumentException("empty RoPE frequency table");
        if (!(attentionFactor > 0) || Float.isInfinite(attentionFactor)) {
            throw new IllegalArgumentException("RoPE attention factor must be positive and finite, got " + attentionFactor);
        }
        return new RopeFrequencies(invFreq.clone(), attentionFactor);
    }

    /** The original RoPE: {@code inv_freq[i] = theta^(-2i/rotaryDims)}. */
    public static RopeFrequencies plain(int rotaryDims, double theta) {
        return new RopeFrequencies(baseInverse(rotaryDims, theta), 1f);
    }

    /** Position interpolation ("linear" rope_type): every frequency divided by {@code factor}. */
    public static RopeFrequencies linear(int rotaryDims, double theta, double factor) {
        checkFactor(factor);
        float[] inv = baseInverse(rotaryDims, theta);
        for (int i = 0; i < inv.length; i++) inv[i] /= (float) factor;
        return new RopeFrequencies(inv, 1f);
    }

    /**
     * Static NTK-aware scaling: the base raised to {@code theta * factor^(d/(d-2))}, which
     * stretches the lowest frequency by {@code factor} while leaving the highest almost as is.
     */
    public static RopeFrequencies ntk(int rotaryDims, double theta, double factor) {
        checkFactor(factor);
        if (rotaryDims <= 2) throw new IllegalArgumentException("NTK scaling needs more than 2 rotary dimensions, got " + rotaryDims);
        return new RopeFrequencies(baseInverse(rotaryDims, theta * Math.pow(factor, rotaryDims / (rotaryDims - 2.0))), 1f);
    }

    /**
     * Dynamic NTK ("dynamic" rope_type): the base grows once {@code seqLen} exceeds
     * {@code maxPositions}: {@code theta * (factor*seqLen/maxPositions - (factor-1))^(d/(d-2))}.
     */
    public static RopeFrequencies dynamicNtk(int rotaryDims, double theta, double factor, int maxPositions, int seqLen) {
        checkFactor(factor);
        if (rotaryDims <= 2) throw new IllegalArgumentException("NTK scaling needs more than 2 rotary dimensions, got " + rotaryDims);
        KernelArgs.positive("maxPositions", maxPositions);
        double len = Math.max(seqLen, maxPositions);
        double base = theta * Math.pow(factor * len / maxPositions - (factor - 1), rotaryDims / (rotaryDims - 2.0));
        return new RopeFrequencies(baseInverse(rotaryDims, base), 1f);
    }

    /**
     * Dynamic NTK as Hugging Face runs it ("dynamic" rope_type): the plain table while a
     * sequence is at most {@code maxPositions} long, and past that, for a forward pass that
     * brings the sequence to {@code L} tokens, the {@link #dynamicNtk(int, double, double, int, int)
     * table for L}; keys already cached keep the rotation they got. {@link #forLength} picks the
     * table; this object is the plain one.
     */
    public static RopeFrequencies dynamicNtk(int rotaryDims, double theta, double factor, int maxPositions) {
        dynamicNtk(rotaryDims, theta, factor, maxPositions, maxPositions); // validates
        return new RopeFrequencies(baseInverse(rotaryDims, theta), 1f, new Dynamic(rotaryDims, theta, factor, maxPositions));
    }

    /** Whether the table depends on the sequence length ({@link #dynamicNtk(int, double, double, int)}). */
    public boolean isDynamic() { return dynamic != null; }

    /**
     * The table for a forward pass after which the sequence holds {@code length} tokens: this
     * one, unless dynamic and {@code length} is past the original context.
     */
    public RopeFrequencies forLength(int length) {
        if (dynamic == null || length <= dynamic.maxPositions) return this;
        Sized s = last;
        if (s != null && s.length == length) return s.table;
        RopeFrequencies t = dynamicNtk(dynamic.rotaryDims, dynamic.theta, dynamic.factor, dynamic.maxPositions, length);
        last = new Sized(length, t);
        return t;
    }

    /**
     * Llama 3.1 scaling ("llama3" rope_type): wavelengths longer than
     * {@code originalMaxPositions/lowFreqFactor} are divided by {@code factor}, shorter than
     * {@code originalMaxPositions/highFreqFactor} kept, and those between blended smoothly.
     */
    public static RopeFrequencies llama3(int rotaryDims, double theta, double factor, double lowFreqFactor,
                                         double highFreqFactor, int originalMaxPositions) {
        checkFactor(factor);
        KernelArgs.positive("originalMaxPositions", originalMaxPositions);
        if (!(highFreqFactor > lowFreqFactor)) {
            throw new IllegalArgumentException("llama3 RoPE needs high_freq_factor > low_freq_factor, got "
                    + highFreqFactor + " and " + lowFreqFactor);
        }
        float[] inv = baseInverse(rotaryDims, theta);
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI / inv[i]);
            if (wavelen > lowFreqWavelen) {
                inv[i] = (float) (inv[i] / factor);
            } else if (wavelen >= highFreqWavelen) {
                double smooth = (originalMaxPositions / (double) wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                inv[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
            }
        }
        return new RopeFrequencies(inv, 1f);
    }

    /**
     * YaRN parameters as HF reads them from {@code rope_scaling}. Zero means "absent" for
     * betaFast/betaSlow (HF's defaults 32 and 1 apply) and for mscale/mscaleAllDim; NaN means an
     * absent attentionFactor (then derived from factor and the mscales as HF does).
     * {@code factor} is used as given, as current transformers does (a few 4.5x releases
     * replaced it by max_position_embeddings / original_max_position_embeddings when the
     * latter was set; pass that ratio to reproduce them).
     */
    public record Yarn(double factor, int originalMaxPositions, double betaFast, double betaSlow,
                       double mscale, double mscaleAllDim, double attentionFactor, boolean truncate) {
        /** The paper's defaults for a given scale factor and pre-training context. */
        public static Yarn of(double factor, int originalMaxPositions) {
            return new Yarn(factor, originalMaxPositions, 0, 0, 0, 0, Double.NaN, true);
        }
    }

    /**
     * YaRN ("yarn" rope_type): dimensions rotating more than betaFast times over the original
     * context keep their frequency, those rotating fewer than betaSlow times are interpolated
     * by {@code factor}, with a linear ramp between; plus the attention factor.
     */
    public static RopeFrequencies yarn(int rotaryDims, double theta, Yarn p) {
        checkFactor(p.factor());
        KernelArgs.positive("originalMaxPositions", p.originalMaxPositions());
        double betaFast = p.betaFast() != 0 ? p.betaFast() : 32;
        double betaSlow = p.betaSlow() != 0 ? p.betaSlow() : 1;
        double attention = p.attentionFactor();
        if (Double.isNaN(attention)) {
            attention = p.mscale() != 0 && p.mscaleAllDim() != 0
                    ? yarnMscale(p.factor(), p.mscale()) / yarnMscale(p.factor(), p.mscaleAllDim())
                    : yarnMscale(p.factor(), 1);
        }
        double low = correctionDim(betaFast, rotaryDims, theta, p.originalMaxPositions());
        double high = correctionDim(betaSlow, rotaryDims, theta, p.originalMaxPositions());
        if (p.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, rotaryDims - 1);
        if (low == high) high += 0.001; // HF's guard against a zero-width ramp

        float[] posFreq = basePowers(rotaryDims, theta);
        float[] inv = new float[posFreq.length];
        for (int i = 0; i < inv.length; i++) {
            float extrapolation = 1f / posFreq[i];
            float interpolation = 1f / ((float) p.factor() * posFreq[i]);
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float keep = 1f - ramp; // weight of the unscaled (extrapolated) frequency
            inv[i] = interpolation * (1f - keep) + extrapolation * keep;
        }
        return new RopeFrequencies(inv, (float) attention);
    }

    /** The rotary dimension index that turns {@code rotations} times over {@code positions}. */
    private static double correctionDim(double rotations, int dim, double base, int positions) {
        return dim * Math.log(positions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    private static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    /** {@code 1 / theta^(i/dim)} for even i. */
    private static float[] baseInverse(int rotaryDims, double theta) {
        float[] inv = basePowers(rotaryDims, theta);
        for (int i = 0; i < inv.length; i++) inv[i] = 1f / inv[i];
        return inv;
    }

    /** {@code theta^(i/dim)} for even i, the exponent and the power rounded to float as PyTorch does. */
    private static float[] basePowers(int rotaryDims, double theta) {
        if (rotaryDims <= 0 || rotaryDims % 2 != 0) {
            throw new IllegalArgumentException("rotary dimensions must be positive and even, got " + rotaryDims);
        }
        if (!(theta > 1) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("RoPE theta must be finite and > 1, got " + theta);
        }
        float[] pow = new float[rotaryDims / 2];
        for (int i = 0; i < pow.length; i++) {
            float exponent = (2f * i) / rotaryDims;
            pow[i] = (float) Math.pow(theta, exponent);
        }
        return pow;
    }

    private static void checkFactor(double factor) {
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("RoPE scaling factor must be finite and >= 1, got " + factor);
        }
    }

    /** A copy of the inverse frequencies. */
    public float[] invFreq() { return invFreq.clone(); }

    /** Inverse frequency of pair {@code i}. */
    public float invFreq(int i) { return invFreq[i]; }

    /** Rotated dimensions per head: twice the table length. */
    public int rotaryDims() { return 2 * invFreq.length; }

    /** Multiplier of cos and sin (1 except for YaRN). */
    public float attentionFactor() { return attentionFactor; }
}
