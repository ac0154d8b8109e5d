package dev.jllm.models;

/** How token states become one sentence vector; only real (unpadded) tokens take part. */
public enum Pooling {
    /** The first token's state ([CLS]). */
    CLS,
    /** The average over the sequence's tokens (sentence-transformers' mean pooling). */
    MEAN,
    /** The per-dimension maximum over the tokens. */
    MAX;

    /** Pools {@code [len, hidden]} states; an empty sequence gives zeros. */
    public float[] pool(float[] states, int hidden) {
        int len = states.length / hidden;
        float[] out = new float[hidden];
        if (len == 0) return out;
        switch (this) {
            case CLS -> System.arraycopy(states, 0, out, 0, hidden);
            case MEAN -> {
                double[] acc = new double[hidden];
                for (int t = 0; t < len; t++) for (int d = 0; d < hidden; d++) acc[d] += states[t * hidden + d];
                for (int d = 0; d < hidden; d++) out[d] = (float) (acc[d] / len);
            }
            case MAX -> {
                System.arraycopy(states, 0, out, 0, hidden);
                for (int t = 1; t < len; t++) for (int d = 0; d < hidden; d++) out[d] = Math.max(out[d], states[t * hidden + d]);
            }
        }
        return out;
    }

    /** Scales {@code v} to unit L2 norm in place (a zero vector stays zero). */
    public static float[] l2Normalize(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        double n = Math.sqrt(s);
        // sentence-transformers divides by max(norm, 1e-12)
        float inv = (float) (1.0 / Math.max(n, 1e-12));
        for (int i = 0; i < v.length; i++) v[i] *= inv;
        return v;
    }
}
