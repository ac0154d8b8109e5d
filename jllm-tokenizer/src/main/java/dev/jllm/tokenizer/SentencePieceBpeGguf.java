package dev.jllm.tokenizer;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link SentencePieceBpe} from GGUF metadata, {@code tokenizer.ggml.model = "llama"}:
 * tokens, scores, token types, special ids and the add_bos / add_eos / add_space_prefix flags.
 */
final class SentencePieceBpeGguf {
    private SentencePieceBpeGguf() {}

    static final String MODEL = "tokenizer.ggml.model";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";

    static SentencePieceBpe read(Map<String, Object> kv) {
        Object model = kv.get(MODEL);
        if (!"llama".equals(model)) {
            throw new IllegalArgumentException("GGUF " + MODEL + ": expected \"llama\" (SentencePiece), found " + describe(model));
        }
        String[] tokens = strings(kv, TOKENS);
        int n = tokens.length;
        float[] scores = kv.containsKey(SCORES) ? floats(kv, SCORES, n) : new float[n];
        int[] types = kv.containsKey(TOKEN_TYPE) ? ints(kv, TOKEN_TYPE, n) : filled(n, SentencePieceBpe.NORMAL);

        int bos = optionalId(kv, "tokenizer.ggml.bos_token_id", n, 1);
        int eos = optionalId(kv, "tokenizer.ggml.eos_token_id", n, 2);
        int unk = optionalId(kv, "tokenizer.ggml.unknown_token_id", n, 0);
        boolean addBos = flag(kv, "tokenizer.ggml.add_bos_token", true);
        boolean addEos = flag(kv, "tokenizer.ggml.add_eos_token", false);
        boolean addSpacePrefix = flag(kv, "tokenizer.ggml.add_space_prefix", true);

        Map<String, Integer> mergeable = new HashMap<>(n * 2);
        boolean[] unused = new boolean[n];
        boolean[] special = new boolean[n];
        int[] byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        List<SpecialTokens.Entry> matched = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int t = types[i];
            switch (t) {
                case SentencePieceBpe.NORMAL, SentencePieceBpe.USER_DEFINED, SentencePieceBpe.UNUSED -> {
                    mergeable.putIfAbsent(tokens[i], i);
                    unused[i] = t == SentencePieceBpe.UNUSED;
                }
                case SentencePieceBpe.BYTE -> {
                    int b = SentencePieceBpeDecoder.byteOfPiece(tokens[i]);
                    if (b < 0) throw new IllegalArgumentException("GGUF " + TOKENS + "[" + i + "] = '" + tokens[i]
                            + "' has token type BYTE but is not of the form <0xXX>");
                    if (byteIds[b] < 0) byteIds[b] = i;
                }
                case SentencePieceBpe.CONTROL, SentencePieceBpe.UNKNOWN -> special[i] = t == SentencePieceBpe.CONTROL;
                default -> throw new IllegalArgumentException("GGUF " + TOKEN_TYPE + "[" + i + "] = " + t
                        + " for '" + tokens[i] + "': expected 1..6 (normal, unknown, control, user-defined, unused, byte)");
            }
            // llama.cpp finds control, unknown and user-defined tokens in text before tokenizing;
            // control and unknown ones only when special-token parsing is on.
            if ((t == SentencePieceBpe.CONTROL || t == SentencePieceBpe.UNKNOWN || t == SentencePieceBpe.USER_DEFINED)
                    && !tokens[i].isEmpty()) {
                matched.add(new SpecialTokens.Entry(tokens[i], i, t != SentencePieceBpe.USER_DEFINED, false, false, false));
            }
        }
        SentencePieceBpeScoreMerge merge = new SentencePieceBpeScoreMerge(mergeable, scores, unused, byteIds, unk);
        SentencePieceBpe.FragmentEncoder encoder = (fragment, atTextStart, afterSpecialOrStart, out) -> {
            String text = addSpacePrefix && afterSpecialOrStart ? " " + fragment : fragment;
            merge.encode(text.replace(" ", "\u2581"), out);
        };
        if (addBos && bos < 0) throw new IllegalArgumentException("GGUF tokenizer.ggml.add_bos_token is true but there is no bos_token_id");
        if (addEos && eos < 0) throw new IllegalArgumentException("GGUF tokenizer.ggml.add_eos_token is true but there is no eos_token_id");
        return new SentencePieceBpe(tokens, special, bos, eos, new SpecialTokens(matched), encoder,
                addBos ? new int[]{bos} : new int[0], addEos ? new int[]{eos} : new int[0],
                SentencePieceBpeDecoder.forGguf(addSpacePrefix));
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName() + " " + (o instanceof String s ? "\"" + s + "\"" : o);
    }

    private static String[] strings(Map<String, Object> kv, String key) {
        Object o = kv.get(key);
        if (o instanceof String[] a) return a;
        if (o instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) return l.toArray(String[]::new);
        throw new IllegalArgumentException("GGUF " + key + ": expected an array of strings, found " + describe(o));
    }

    private static float[] floats(Map<String, Object> kv, String key, int n) {
        Object o = kv.get(key);
        float[] out;
        if (o instanceof float[] a) out = a;
        else if (o != null && o.getClass().isArray() && !(o instanceof String[])) {
            out = new float[Array.getLength(o)];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) Array.get(o, i)).floatValue();
        } else if (o instanceof List<?> l) {
            out = new float[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).floatValue();
        } else throw new IllegalArgumentException("GGUF " + key + ": expected an array of float32, found " + describe(o));
        if (out.length != n) throw new IllegalArgumentException("GGUF " + key + ": expected " + n + " entries (one per token), found " + out.length);
        return out;
    }

    private static int[] ints(Map<String, Object> kv, String key, int n) {
        Object o = kv.get(key);
        int[] out;
        if (o instanceof int[] a) out = a;
        else if (o != null && o.getClass().isArray() && !(o instanceof String[])) {
            out = new int[Array.getLength(o)];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) Array.get(o, i)).intValue();
        } else if (o instanceof List<?> l) {
            out = new int[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
        } else throw new IllegalArgumentException("GGUF " + key + ": expected an array of int32, found " + describe(o));
        if (out.length != n) throw new IllegalArgumentException("GGUF " + key + ": expected " + n + " entries (one per token), found " + out.length);
        return out;
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    /** A token id scalar; absent → {@code dflt} when that id exists, else -1. */
    private static int optionalId(Map<String, Object> kv, String key, int n, int dflt) {
        Object o = kv.get(key);
        if (o == null) return dflt < n ? dflt : -1;
        if (!(o instanceof Number num)) throw new IllegalArgumentException("GGUF " + key + ": expected an integer, found " + describe(o));
        long v = num.longValue();
        if (v == -1 || v == 0xFFFFFFFFL) return -1; // "none" as written by some converters
        if (v < 0 || v >= n) throw new IllegalArgumentException("GGUF " + key + " = " + v + " is outside the vocabulary [0, " + n + ")");
        return (int) v;
    }

    private static boolean flag(Map<String, Object> kv, String key, boolean dflt) {
        Object o = kv.get(key);
        if (o == null) return dflt;
        if (o instanceof Boolean b) return b;
        throw new IllegalArgumentException("GGUF " + key + ": expected a bool, found " + describe(o));
    }
}
